#include "core/metrics/average_precision.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <unordered_set>
#include <utility>

namespace micon {
namespace {

// AP of a 0/1 relevance list already in rank order.
double ApOfRanking(const std::vector<uint8_t>& relevant) {
  double hits = 0, sum = 0;
  for (size_t k = 0; k < relevant.size(); ++k) {
    if (!relevant[k]) continue;
    hits += 1;
    sum += hits / static_cast<double>(k + 1);
  }
  return hits > 0 ? sum / hits : std::numeric_limits<double>::quiet_NaN();
}

// `null_size` APs of `positives` ones placed at random among `total` ranks.
// Only the positives' ranks matter, so each draw picks `positives` distinct
// ranks (Floyd's sampling: every subset equally likely) instead of shuffling
// all `total`: a query among 10^6 candidates costs its few replicates, not
// 10^6. A draw of more than half the ranks shuffles, as that is then cheaper.
std::vector<double> NullAps(int64_t positives, int64_t total, int64_t null_size,
                            std::mt19937_64& rng) {
  std::vector<double> out(null_size);
  if (2 * positives > total) {
    std::vector<uint8_t> ranking(total, 0);
    std::fill(ranking.begin(), ranking.begin() + positives, 1);
    for (int64_t i = 0; i < null_size; ++i) {
      std::shuffle(ranking.begin(), ranking.end(), rng);
      out[i] = ApOfRanking(ranking);
    }
    return out;
  }
  std::unordered_set<int64_t> picked;
  std::vector<int64_t> ranks;
  for (int64_t i = 0; i < null_size; ++i) {
    picked.clear();
    for (int64_t j = total - positives; j < total; ++j) {
      const int64_t r = std::uniform_int_distribution<int64_t>(0, j)(rng);
      picked.insert(picked.count(r) ? j : r);
    }
    ranks.assign(picked.begin(), picked.end());
    std::sort(ranks.begin(), ranks.end());
    double sum = 0;
    for (size_t k = 0; k < ranks.size(); ++k) {
      sum += static_cast<double>(k + 1) / static_cast<double>(ranks[k] + 1);
    }
    out[i] = sum / static_cast<double>(positives);
  }
  return out;
}

}  // namespace

double AveragePrecisionFromGaps(const std::vector<int64_t>& negatives_ahead) {
  if (negatives_ahead.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  int64_t negatives = 0;
  for (size_t k = 0; k < negatives_ahead.size(); ++k) {
    negatives += negatives_ahead[k];
    const double hits = static_cast<double>(k + 1);
    sum += hits / static_cast<double>(static_cast<int64_t>(k) + 1 + negatives);
  }
  return sum / static_cast<double>(negatives_ahead.size());
}

double AveragePrecision(std::vector<RankedCandidate> candidates) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const RankedCandidate& a, const RankedCandidate& b) {
                     if (a.similarity != b.similarity) {
                       return a.similarity > b.similarity;
                     }
                     return a.positive && !b.positive;
                   });
  std::vector<uint8_t> relevant(candidates.size());
  for (size_t k = 0; k < candidates.size(); ++k) {
    relevant[k] = candidates[k].positive ? 1 : 0;
  }
  return ApOfRanking(relevant);
}

std::vector<double> BenjaminiHochberg(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return p_values[a] < p_values[b];
  });
  std::vector<double> adjusted(m);
  double running = 1.0;
  for (size_t i = m; i-- > 0;) {
    const double q = p_values[order[i]] * static_cast<double>(m) /
                     static_cast<double>(i + 1);
    running = std::min(running, q);
    adjusted[order[i]] = std::min(running, 1.0);
  }
  return adjusted;
}

std::vector<GroupMap> MeanAveragePrecision(const std::vector<QueryAp>& queries,
                                           const MapOptions& options) {
  TORCH_CHECK(options.null_size >= 1, "null_size must be >= 1");
  std::vector<std::string> order;
  std::map<std::string, std::vector<const QueryAp*>> by_group;
  for (const QueryAp& q : queries) {
    if (q.positives < 1 || std::isnan(q.ap)) continue;
    TORCH_CHECK(q.candidates >= q.positives, "query of group ", q.group,
                " has ", q.positives, " positives among ", q.candidates,
                " candidates");
    auto [it, inserted] = by_group.try_emplace(q.group);
    if (inserted) order.push_back(q.group);
    it->second.push_back(&q);
  }
  // One pool of null APs per (positives, candidates) shape. Each query adds to
  // each null mAP draw an AP picked at random from its shape's pool, so the
  // queries of a group contribute independent draws (reusing one draw for
  // every query of a shape would make the null mAP as wide as one query's).
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<int64_t> pick(0, options.null_size - 1);
  std::map<std::pair<int64_t, int64_t>, std::vector<double>> nulls;
  // Per sorted list of query shapes: the null mAP draws (sums over queries).
  std::map<std::vector<std::pair<int64_t, int64_t>>, std::vector<double>>
      null_maps;
  std::vector<GroupMap> out;
  std::vector<double> p_values;
  for (const std::string& group : order) {
    const std::vector<const QueryAp*>& members = by_group[group];
    GroupMap g;
    g.group = group;
    g.queries = static_cast<int64_t>(members.size());
    // A group's null depends only on its queries' shapes: groups with the
    // same shapes (every compound with four replicates) share one null, drawn
    // when the first of them is met, so the null costs O(null_size x queries
    // of one group) per distinct set of shapes, not per group.
    std::vector<std::pair<int64_t, int64_t>> shapes;
    for (const QueryAp* q : members) {
      g.map += q->ap;
      shapes.emplace_back(q->positives, q->candidates);
    }
    std::sort(shapes.begin(), shapes.end());
    auto [shared, first] = null_maps.try_emplace(shapes);
    std::vector<double>& null_map = shared->second;
    if (first) {
      null_map.assign(options.null_size, 0.0);
      for (const auto& shape : shapes) {
        auto it = nulls.find(shape);
        if (it == nulls.end()) {
          it = nulls
                   .emplace(shape, NullAps(shape.first, shape.second,
                                           options.null_size, rng))
                   .first;
        }
        for (int64_t i = 0; i < options.null_size; ++i) {
          null_map[i] += it->second[pick(rng)];
        }
      }
    }
    g.map /= static_cast<double>(g.queries);
    int64_t at_least = 0;
    for (double v : null_map) {
      // Compare means, not sums, with a tolerance for float summation order.
      if (v / static_cast<double>(g.queries) >= g.map - 1e-12) ++at_least;
    }
    g.p_value = static_cast<double>(at_least + 1) /
                static_cast<double>(options.null_size + 1);
    p_values.push_back(g.p_value);
    out.push_back(g);
  }
  const std::vector<double> corrected = BenjaminiHochberg(p_values);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].corrected_p_value = corrected[i];
    out[i].retrieved = corrected[i] < options.threshold;
  }
  return out;
}

}  // namespace micon
