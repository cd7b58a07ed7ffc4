#include "data/structure_clusters.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "data/random_stream.h"

namespace micon {

double Tanimoto(const std::vector<float>& a, const std::vector<float>& b) {
  size_t both = 0, either = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const bool x = a[i] != 0, y = b[i] != 0;
    both += x && y;
    either += x || y;
  }
  return either == 0 ? 1.0 : static_cast<double>(both) / either;
}

std::vector<int> LeaderClusters(const std::vector<std::vector<float>>& bits,
                                const std::vector<size_t>& order,
                                double similarity) {
  std::vector<int> cluster(bits.size(), -1);
  std::vector<size_t> leaders;
  for (size_t i : order) {
    for (size_t c = 0; c < leaders.size(); ++c) {
      if (Tanimoto(bits[i], bits[leaders[c]]) >= similarity) {
        cluster[i] = static_cast<int>(c);
        break;
      }
    }
    if (cluster[i] < 0) {
      cluster[i] = static_cast<int>(leaders.size());
      leaders.push_back(i);
    }
  }
  return cluster;
}

std::vector<bool> HoldOutClusters(const std::vector<int>& cluster,
                                  const std::vector<bool>& eligible,
                                  double fraction, uint64_t seed) {
  const int64_t eligible_count =
      std::count(eligible.begin(), eligible.end(), true);
  const int64_t wanted = std::llround(fraction * eligible_count);
  const int clusters =
      cluster.empty() ? 0
                      : *std::max_element(cluster.begin(), cluster.end()) + 1;
  std::vector<int> draw(clusters);
  std::iota(draw.begin(), draw.end(), 0);
  std::mt19937_64 rng = RandomStream(seed, {11});
  std::shuffle(draw.begin(), draw.end(), rng);
  std::vector<bool> held_out(cluster.size(), false);
  int64_t count = 0;
  for (int c : draw) {
    if (count >= wanted) break;
    for (size_t i = 0; i < cluster.size(); ++i) {
      if (cluster[i] == c && eligible[i]) {
        held_out[i] = true;
        ++count;
      }
    }
  }
  return held_out;
}

}  // namespace micon
