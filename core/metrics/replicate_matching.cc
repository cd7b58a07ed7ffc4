#include "core/metrics/replicate_matching.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

namespace micon {
namespace {

void CheckRows(const MatchingRows& rows, int64_t n, const char* what) {
  TORCH_CHECK(static_cast<int64_t>(rows.id.size()) == n &&
                  static_cast<int64_t>(rows.label.size()) == n &&
                  static_cast<int64_t>(rows.group.size()) == n,
              what, " must have ", n, " ids, labels and groups (got ",
              rows.id.size(), ", ", rows.label.size(), ", ", rows.group.size(),
              ")");
}

bool Excluded(const MatchingRows& q, int64_t i, const MatchingRows& c,
              int64_t j, Exclusion exclusion) {
  if (c.id[j] == q.id[i]) return true;
  const bool same_group = c.group[j] == q.group[i];
  switch (exclusion) {
    case Exclusion::kSameGroup:
      return same_group;
    case Exclusion::kSameGroupPositives:
      return same_group && c.label[j] == q.label[i];
    case Exclusion::kNone:
      return false;
  }
  return false;
}

}  // namespace

TopK ReplicateTopK(const at::Tensor& similarity, const MatchingRows& queries,
                   const MatchingRows& candidates, Exclusion exclusion,
                   int64_t max_k) {
  TORCH_CHECK(similarity.dim() == 2,
              "similarity must be [queries, "
              "candidates], got ",
              similarity.sizes());
  TORCH_CHECK(max_k >= 1, "max_k must be >= 1, got ", max_k);
  const int64_t nq = similarity.size(0), nc = similarity.size(1);
  CheckRows(queries, nq, "queries");
  CheckRows(candidates, nc, "candidates");
  const at::Tensor s = similarity.to(torch::kFloat64).contiguous();
  const double* data = s.data_ptr<double>();
  TopK out;
  out.accuracy.assign(max_k, 0.0);
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < nq; ++i) {
    kept.clear();
    bool any_positive = false;
    for (int64_t j = 0; j < nc; ++j) {
      if (Excluded(queries, i, candidates, j, exclusion)) continue;
      kept.push_back(j);
      any_positive |= candidates.label[j] == queries.label[i];
    }
    if (!any_positive) {
      ++out.unscorable;
      out.first_hit.push_back(-1);
      continue;
    }
    ++out.scored;
    const double* row = data + i * nc;
    std::stable_sort(kept.begin(), kept.end(),
                     [row](int64_t a, int64_t b) { return row[a] > row[b]; });
    // Rank (0-based) of the first positive; every k above it is a hit.
    int64_t first = 0;
    while (candidates.label[kept[first]] != queries.label[i]) ++first;
    out.first_hit.push_back(first);
    for (int64_t k = first; k < max_k; ++k) out.accuracy[k] += 1.0;
  }
  if (out.scored > 0) {
    for (double& a : out.accuracy) a /= static_cast<double>(out.scored);
  }
  return out;
}

double ChanceTopK(int64_t candidates, int64_t positives, int64_t k) {
  TORCH_CHECK(
      candidates >= 0 && positives >= 0 && positives <= candidates && k >= 0,
      "ChanceTopK: ", positives, " positives of ", candidates,
      " candidates, k = ", k);
  double miss = 1;  // all k draws are negatives
  for (int64_t i = 0; i < std::min(k, candidates); ++i) {
    miss *= static_cast<double>(candidates - positives - i) /
            static_cast<double>(candidates - i);
    if (miss <= 0) return 1;
  }
  return 1 - miss;
}

}  // namespace micon
