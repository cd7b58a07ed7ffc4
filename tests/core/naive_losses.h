// naive_losses.h: the losses written out loop by loop in double precision, as
// references.
#ifndef MICON_TESTS_CORE_NAIVE_LOSSES_H_
#define MICON_TESTS_CORE_NAIVE_LOSSES_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace micon::testing {

// n random unit rows of width d.
torch::Tensor Normalized(int64_t n, int64_t d, torch::Dtype dtype, int seed);

// Khosla et al.'s supervised contrastive loss (L_out), mean over anchors with a
// positive.
double NaiveSupCon(const torch::Tensor& z, const std::vector<int64_t>& labels,
                   double tau);

// CLIP: mean of the image->molecule and molecule->image cross-entropies.
// With `compounds` (one per row), a row j != i of row i's compound is left out
// of i's denominators.
double NaiveClip(const torch::Tensor& u, const torch::Tensor& v, double scale,
                 const std::vector<int64_t>& compounds = {});

// CellCLIP's CWCL, as its reference computes it: soft targets from the
// per-channel cosine similarity of the inputs x [n, C, D] for image ->
// molecule, plus molecule -> image cross-entropy, each a mean over rows.
// With `compounds`, the molecule -> image denominators leave out the other
// rows of the molecule's compound, as NaiveClip's.
double NaiveCwcl(const torch::Tensor& x, const torch::Tensor& u,
                 const torch::Tensor& v, double scale,
                 const std::vector<int64_t>& compounds = {});

}  // namespace micon::testing

#endif  // MICON_TESTS_CORE_NAIVE_LOSSES_H_
