// structure_clusters.h: holding compounds out by structure cluster, so that a
// held-out compound has no near-duplicate among the training ones (the split
// `micon synth --preset target2` uses for unseen compounds).
//
//   std::vector<int> cluster = LeaderClusters(fingerprints, order, 0.4);
//   std::vector<bool> out = HoldOutClusters(cluster, eligible, 0.2, seed);
//
// Clustering is leader (sphere exclusion) clustering on the Tanimoto
// similarity of fingerprint bits, taken in a given order: each compound joins
// the first leader it is at least `similarity` to, or leads a new cluster.
// Like Butina's it bounds every member's distance to its leader; unlike
// Butina's it needs no full similarity matrix and depends only on the order,
// which the caller seeds.
#ifndef MICON_DATA_STRUCTURE_CLUSTERS_H_
#define MICON_DATA_STRUCTURE_CLUSTERS_H_

#include <cstdint>
#include <vector>

namespace micon {

// Tanimoto similarity of two 0/1 vectors of equal length (1 when both empty).
double Tanimoto(const std::vector<float>& a, const std::vector<float>& b);

// Cluster index of every fingerprint (0, 1, ... in order of first leader).
// `order` is a permutation of the fingerprints' indices.
std::vector<int> LeaderClusters(const std::vector<std::vector<float>>& bits,
                                const std::vector<size_t>& order,
                                double similarity);

// Marks whole clusters as held out, in an order drawn from `seed`, until at
// least `fraction` of the eligible compounds are held out (rounded to the
// nearest count). Only eligible compounds are ever held out; an ineligible
// member of a held-out cluster stays in training.
std::vector<bool> HoldOutClusters(const std::vector<int>& cluster,
                                  const std::vector<bool>& eligible,
                                  double fraction, uint64_t seed);

}  // namespace micon

#endif  // MICON_DATA_STRUCTURE_CLUSTERS_H_
