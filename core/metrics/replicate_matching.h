// replicate_matching.h: the paper's compound-replicate matching: top-k
// accuracy of finding a same-compound well among a query's nearest
// candidates, with wells of the query's own batch (NSB) or source (NSS) taken
// out of the candidates.
//
//   MatchingRows queries{ids, compound, batch}, candidates{...};
//   TopK t = ReplicateTopK(CosineSimilarity(q, c), queries, candidates,
//                          Exclusion::kSameGroup, /*max_k=*/10);
//   t.accuracy[0]  // top-1
//
// Rows are identified by `id`, not by position: a candidate with the query's
// own id (the same well) is never a match, also when the query and candidate
// sets differ in size and order. (The reference implementation excluded the
// candidate at the query's *position*, which is wrong exactly then.)
// Exclusions, per query:
//   kSameGroup           drop every candidate of the query's group (NSB with
//                        batch as the group, NSS with source)
//   kSameGroupPositives  drop only same-group candidates of the same compound:
//                        same-group negatives still compete
//   kNone                drop nothing but the query itself
// A query whose remaining candidates hold no positive is not scored (it is
// counted in `unscorable`). Ties in similarity keep candidate order.
#ifndef MICON_CORE_METRICS_REPLICATE_MATCHING_H_
#define MICON_CORE_METRICS_REPLICATE_MATCHING_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace micon {

struct MatchingRows {
  std::vector<int64_t> id;     // well identity shared by both sets
  std::vector<int64_t> label;  // compound
  std::vector<int64_t> group;  // batch or source
};

enum class Exclusion { kSameGroup, kSameGroupPositives, kNone };

struct TopK {
  std::vector<double> accuracy;  // [k-1] = share of scored queries hit in top k
  int64_t scored = 0;
  int64_t unscorable = 0;
  // Per query: the 0-based rank of its first positive, -1 when unscorable
  // (for per-compound top-k and resampling over queries).
  std::vector<int64_t> first_hit;
};

TopK ReplicateTopK(const at::Tensor& similarity, const MatchingRows& queries,
                   const MatchingRows& candidates, Exclusion exclusion,
                   int64_t max_k);

// The top-k accuracy a query would reach by chance: the probability that k
// candidates drawn at random from `candidates`, `positives` of which match,
// include a match: 1 - C(candidates - positives, k) / C(candidates, k).
double ChanceTopK(int64_t candidates, int64_t positives, int64_t k);

}  // namespace micon

#endif  // MICON_CORE_METRICS_REPLICATE_MATCHING_H_
