// average_precision.h: mean average precision with copairs' definitions:
// per-query AP over a ranked candidate list, a permutation null, p-values and
// Benjamini-Hochberg correction, aggregated per group of queries.
//
//   std::vector<RankedCandidate> c = {{0.9, true}, {0.7, false}, {0.4, true}};
//   double ap = AveragePrecision(c);                       // (1 + 2/3) / 2
//   auto groups = MeanAveragePrecision(queries, {.null_size = 10000});
//
// Ranking is by similarity, highest first; ties put positives first (copairs
// sorts positive pairs ahead of negative ones and keeps that order on ties).
// AP = mean over positives of precision at the positive's rank. The null for a
// query with p positives among t candidates is the AP of p positives placed at
// random among t ranks; a group's null mAP averages one independent null draw
// per query, and its p-value is (draws >= observed + 1) / (null_size + 1).
// Null APs are drawn once per (p, t) shape, and null mAPs once per distinct
// set of query shapes, shared by the groups that have it (as copairs shares
// its null per configuration): at 10^5 wells, per-group draws were 10^9. The
// draws come from a seeded generator: the same seed gives the same p-values.
#ifndef MICON_CORE_METRICS_AVERAGE_PRECISION_H_
#define MICON_CORE_METRICS_AVERAGE_PRECISION_H_

#include <cstdint>
#include <string>
#include <vector>

namespace micon {

struct RankedCandidate {
  double similarity = 0;
  bool positive = false;
};

// NaN when there is no positive.
double AveragePrecision(std::vector<RankedCandidate> candidates);

// The same AP from counts, for streamed rankings that never hold the list:
// `negatives_ahead[m]` negatives rank behind positive m - 1 and ahead of
// positive m (positives in rank order). Positive k (0-based) then has rank
// k + (negatives ahead of it), and its precision is summed in rank order as
// AveragePrecision sums it. NaN for no positive.
double AveragePrecisionFromGaps(const std::vector<int64_t>& negatives_ahead);

struct QueryAp {
  std::string group;  // queries of one group form one mAP
  double ap = 0;
  int64_t positives = 0;
  int64_t candidates = 0;
};

struct MapOptions {
  int64_t null_size = 10000;
  uint64_t seed = 0;
  double threshold = 0.05;  // for `retrieved`
};

struct GroupMap {
  std::string group;
  double map = 0;
  int64_t queries = 0;
  double p_value = 1;
  double corrected_p_value = 1;  // Benjamini-Hochberg over the groups
  bool retrieved = false;        // corrected_p_value < threshold
};

// Groups in order of first appearance; queries without positives are skipped.
std::vector<GroupMap> MeanAveragePrecision(const std::vector<QueryAp>& queries,
                                           const MapOptions& options);

// Benjamini-Hochberg adjusted p-values (statsmodels' fdr_bh), in input order.
std::vector<double> BenjaminiHochberg(const std::vector<double>& p_values);

}  // namespace micon

#endif  // MICON_CORE_METRICS_AVERAGE_PRECISION_H_
