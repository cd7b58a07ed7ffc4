// contrastive_losses.h: SupCon (PaCLR), NT-Xent (SimCLR) and CLIP in "local
// anchors against global candidates" form, so one implementation serves one
// process and N ranks.
//
// Every loss takes this rank's rows (`local`), the rows of the whole global
// batch (`global`, the concatenation over ranks in rank order), and `offset`,
// the position of the local rows inside the global batch. It returns this
// rank's share of the global loss: summed over ranks the shares give the loss
// one process computes on the global batch. With one process pass the same
// tensors as local and global and offset 0.
//
//   // world 1
//   torch::Tensor loss = SupConLoss(z, z, labels, labels, /*offset=*/0,
//                                   {.temperature = 0.1});
//
// Labels are int64; every DMSO control carries kControlLabel. The SupCon
// denominator runs over every other row (positives included; Khosla et al.'s
// L_out), and the loss averages over the anchors that have at least one
// positive. An anchor with no positive contributes nothing; a global batch in
// which no anchor has a positive gives 0 (with zero gradients), never NaN.
#ifndef MICON_CORE_CONTRASTIVE_LOSSES_H_
#define MICON_CORE_CONTRASTIVE_LOSSES_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/contrastive_kernel.h"

namespace micon {

inline constexpr int64_t kControlLabel = -1;

struct ContrastiveOptions {
  double temperature = 1.0;  // the MICON reference uses 1.0
  int64_t anchor_chunk = kDefaultAnchorChunk;
};

// Supervised contrastive loss over the rows of the global batch.
at::Tensor SupConLoss(const at::Tensor& local, const at::Tensor& global,
                      const at::Tensor& local_labels,
                      const at::Tensor& global_labels, int64_t offset,
                      const ContrastiveOptions& options);

// NT-Xent: SupCon in which each instance id appears exactly twice globally (two
// views).
at::Tensor NtXentLoss(const at::Tensor& local, const at::Tensor& global,
                      const at::Tensor& local_instance,
                      const at::Tensor& global_instance, int64_t offset,
                      const ContrastiveOptions& options);

// CLIP's symmetric InfoNCE between image rows and molecule rows: row i of each
// is a pair. `logit_scale` is a 0-dim tensor (1/temperature), fixed or
// learnable (see ClipLogitScale). `same_compound` (the rows' compound labels,
// this rank's and the global batch's) leaves the other rows of a pair's
// compound out of its negatives: a batch that repeats a compound does not ask
// an image to tell its molecule from an identical one. Without repeats it
// changes nothing.
at::Tensor ClipLoss(const at::Tensor& local_image,
                    const at::Tensor& global_image,
                    const at::Tensor& local_molecule,
                    const at::Tensor& global_molecule, int64_t offset,
                    const at::Tensor& logit_scale,
                    int64_t anchor_chunk = kDefaultAnchorChunk,
                    const SameGroupMask& same_compound = {});

// CWCL (Srinivasa et al. 2023) as CellCLIP trains it: image -> molecule with
// soft targets (`local_targets` [n, N], this rank's rows of CwclTargets over
// the global batch) plus molecule -> image with the pair as the one positive;
// each direction averages over the global batch and the two are summed (CLIP
// halves them). Same local/global/offset contract as the losses above;
// `same_compound` masks the molecule -> image direction as in ClipLoss (the
// soft targets already weigh a well of the same compound by its similarity).
at::Tensor CwclLoss(const at::Tensor& local_image,
                    const at::Tensor& global_image,
                    const at::Tensor& local_molecule,
                    const at::Tensor& global_molecule,
                    const at::Tensor& local_targets, int64_t offset,
                    const at::Tensor& logit_scale,
                    int64_t anchor_chunk = kDefaultAnchorChunk,
                    const SameGroupMask& same_compound = {});

// CWCL's targets from the frozen inputs, [n, C, D] local and [N, C, D] global
// (a well's per-channel input embeddings): w_ij = (mean over channels of
// cos(x_i^c, x_j^c)) / 2 + 1/2, each row divided by its sum. No gradient.
// Only this rank's rows are computed: [n, N].
at::Tensor CwclTargets(const at::Tensor& local_inputs,
                       const at::Tensor& global_inputs);

// exp(log_scale) clamped to at most max_scale, as CLIP trains its temperature.
at::Tensor ClipLogitScale(const at::Tensor& log_scale,
                          double max_scale = 100.0);

// Number of global rows whose label occurs at least twice (anchors with a
// positive).
int64_t CountAnchorsWithPositive(const at::Tensor& global_labels);

}  // namespace micon

#endif  // MICON_CORE_CONTRASTIVE_LOSSES_H_
