// cross_modal_retrieval.h: ranking one modality against the other in a
// shared space (CLIP, CellCLIP): molecule -> well and well -> molecule, with
// recall at k, mean rank and what chance gives for each.
//
//   RetrievalResult r = WellToMolecule(z_wells, labels, z_molecules);
//   r.recall[1];          // share of wells whose molecule ranks in the top 5
//   r.chance_recall[1];   // the same for a random ranking
//
// Scores are cosine similarities. A query's rank is 1 + the number of
// candidates scored strictly higher than its (best) positive, so ties count
// in the query's favour and a model that scores everything equal ranks 1:
// compare with chance, not with 1. Rows with a label outside the candidates
// are the caller's to leave out.
//  - well -> molecule: each well ranks the M molecules; its positive is its
//    compound's. Chance: R@k = min(k, M) / M, mean rank (M + 1) / 2.
//  - molecule -> well: each molecule with at least one well ranks the W
//    wells; its rank is its best-ranked well's. With m of the W wells
//    positive, chance R@k = 1 - C(W - m, k) / C(W, k) and the expected best
//    rank is (W + 1) / (m + 1).
#ifndef MICON_CORE_METRICS_CROSS_MODAL_RETRIEVAL_H_
#define MICON_CORE_METRICS_CROSS_MODAL_RETRIEVAL_H_

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <vector>

namespace micon {

inline constexpr std::array<int64_t, 3> kRetrievalK = {1, 5, 10};

struct RetrievalResult {
  int64_t candidates = 0;
  std::vector<int64_t> query;  // row of each query (well, or molecule)
  std::vector<int64_t> rank;   // its rank, 1-based
  // Per query, chance of a hit within each k of kRetrievalK, and the chance
  // expectation of its rank.
  std::vector<std::array<double, 3>> chance_hit;
  std::vector<double> chance_rank;

  int64_t queries() const { return static_cast<int64_t>(rank.size()); }
  std::array<double, 3> Recall() const;
  std::array<double, 3> ChanceRecall() const;
  double MeanRank() const;
  double ChanceMeanRank() const;
};

// wells [W, d], molecules [M, d]; well_labels[w] in [0, M).
RetrievalResult WellToMolecule(const at::Tensor& wells,
                               const std::vector<int64_t>& well_labels,
                               const at::Tensor& molecules);
RetrievalResult MoleculeToWell(const at::Tensor& molecules,
                               const at::Tensor& wells,
                               const std::vector<int64_t>& well_labels);

}  // namespace micon

#endif  // MICON_CORE_METRICS_CROSS_MODAL_RETRIEVAL_H_
