#include "core/metrics/cross_modal_retrieval.h"

#include <torch/torch.h>

#include <algorithm>

namespace micon {
namespace {

torch::Tensor Cosine(const torch::Tensor& queries,
                     const torch::Tensor& candidates) {
  auto unit = [](const torch::Tensor& x) {
    const torch::Tensor d = x.to(torch::kDouble);
    return d / d.norm(2, 1, true).clamp_min(1e-12);
  };
  return torch::mm(unit(queries), unit(candidates).t());
}

// 1 - C(total - positives, k) / C(total, k): a positive among k drawn
// without replacement.
double ChanceOfHit(int64_t total, int64_t positives, int64_t k) {
  double miss = 1;
  for (int64_t i = 0; i < std::min(k, total); ++i) {
    miss *= static_cast<double>(std::max<int64_t>(0, total - positives - i)) /
            static_cast<double>(total - i);
  }
  return 1 - miss;
}

void AddQuery(RetrievalResult& r, int64_t row, int64_t rank,
              int64_t positives) {
  r.query.push_back(row);
  r.rank.push_back(rank);
  std::array<double, 3> hit{};
  for (size_t j = 0; j < kRetrievalK.size(); ++j) {
    hit[j] = ChanceOfHit(r.candidates, positives, kRetrievalK[j]);
  }
  r.chance_hit.push_back(hit);
  r.chance_rank.push_back(static_cast<double>(r.candidates + 1) /
                          static_cast<double>(positives + 1));
}

void CheckInputs(const at::Tensor& wells,
                 const std::vector<int64_t>& well_labels,
                 const at::Tensor& molecules) {
  TORCH_CHECK(wells.dim() == 2 && molecules.dim() == 2 &&
                  wells.size(1) == molecules.size(1),
              "wells [W, d] and molecules [M, d] must share d, got ",
              wells.sizes(), " and ", molecules.sizes());
  TORCH_CHECK(static_cast<int64_t>(well_labels.size()) == wells.size(0),
              well_labels.size(), " labels for ", wells.size(0), " wells");
  for (int64_t label : well_labels) {
    TORCH_CHECK(label >= 0 && label < molecules.size(0), "well label ", label,
                " outside the ", molecules.size(0), " molecules");
  }
}

}  // namespace

std::array<double, 3> RetrievalResult::Recall() const {
  std::array<double, 3> out{};
  for (int64_t r : rank) {
    for (size_t j = 0; j < kRetrievalK.size(); ++j) {
      out[j] += r <= kRetrievalK[j] ? 1 : 0;
    }
  }
  for (double& v : out) v /= std::max<int64_t>(1, queries());
  return out;
}

std::array<double, 3> RetrievalResult::ChanceRecall() const {
  std::array<double, 3> out{};
  for (const auto& hit : chance_hit) {
    for (size_t j = 0; j < out.size(); ++j) out[j] += hit[j];
  }
  for (double& v : out) v /= std::max<int64_t>(1, queries());
  return out;
}

double RetrievalResult::MeanRank() const {
  double sum = 0;
  for (int64_t r : rank) sum += static_cast<double>(r);
  return sum / std::max<int64_t>(1, queries());
}

double RetrievalResult::ChanceMeanRank() const {
  double sum = 0;
  for (double r : chance_rank) sum += r;
  return sum / std::max<int64_t>(1, queries());
}

RetrievalResult WellToMolecule(const at::Tensor& wells,
                               const std::vector<int64_t>& well_labels,
                               const at::Tensor& molecules) {
  CheckInputs(wells, well_labels, molecules);
  RetrievalResult r;
  r.candidates = molecules.size(0);
  const torch::Tensor s = Cosine(wells, molecules);
  for (int64_t w = 0; w < wells.size(0); ++w) {
    const torch::Tensor row = s[w];
    const int64_t higher = (row > row[well_labels[w]]).sum().item<int64_t>();
    AddQuery(r, w, higher + 1, 1);
  }
  return r;
}

RetrievalResult MoleculeToWell(const at::Tensor& molecules,
                               const at::Tensor& wells,
                               const std::vector<int64_t>& well_labels) {
  CheckInputs(wells, well_labels, molecules);
  RetrievalResult r;
  r.candidates = wells.size(0);
  const torch::Tensor s = Cosine(molecules, wells);
  const torch::Tensor labels = torch::tensor(well_labels, torch::kLong);
  for (int64_t m = 0; m < molecules.size(0); ++m) {
    const torch::Tensor positive = labels == m;
    const int64_t positives = positive.sum().item<int64_t>();
    if (positives == 0) continue;
    const torch::Tensor row = s[m];
    const double best = row.masked_select(positive).max().item<double>();
    AddQuery(r, m, (row > best).sum().item<int64_t>() + 1, positives);
  }
  return r;
}

}  // namespace micon
