// contrastive_kernel.h: the one softmax-contrastive computation every micon
// loss is built on.
//
// For local anchors a_i and global candidates c_j (rows of equal width), logits
// s_ij = scale * <a_i, c_j>, the candidate at global row `self_offset + i`
// excluded from anchor i's softmax when self_offset >= 0 (same-view SupCon),
// and positives P(i) = {j != self : label match}, it returns
//
//   sum_i w_i * ( logsumexp_{j != self} s_ij  -  sum_j q_ij s_ij )
//
// with q_ij = 1/|P(i)| on the positives (the mean over P(i)), or, for
// SoftContrastiveSum, given soft targets (rows summing to 1, e.g. CWCL's).
// With a SameGroupMask, a candidate that is not a positive of anchor i but
// shares its group (e.g. another image of the same compound in a CLIP batch)
// is left out of i's softmax too: it is neither a negative nor a positive.
//
// Forward and backward both walk the anchors in chunks and recompute logits in
// backward, so memory is O(chunk * candidates) however large the global batch.
// Logits and logsumexp are float32 (float64 for float64 inputs) even for
// bf16/half embeddings. Gradients flow to anchors, candidates and `scale` (a
// 0-dim tensor, e.g. CLIP's learnable temperature). Anchors with w_i = 0 (no
// positive) contribute exactly 0, never NaN.
//
//   torch::Tensor loss = ContrastiveSum(z_local, z_global, scale, y_local,
//                                       y_global, weights,
//                                       /*self_offset=*/offset);
#ifndef MICON_CORE_CONTRASTIVE_KERNEL_H_
#define MICON_CORE_CONTRASTIVE_KERNEL_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace micon {

inline constexpr int64_t kNoSelfExclusion = -1;
inline constexpr int64_t kDefaultAnchorChunk = 1024;

// Group ids (int64) of the anchors [n] and candidates [N]; both undefined = no
// mask.
struct SameGroupMask {
  at::Tensor anchor_groups, candidate_groups;
  bool defined() const { return anchor_groups.defined(); }
};

// anchors [n, d], candidates [N, d], scale 0-dim, anchor_labels [n] and
// candidate_labels [N] int64, weights [n] (same dtype as anchors, no gradient).
// Returns a 0-dim tensor.
at::Tensor ContrastiveSum(const at::Tensor& anchors,
                          const at::Tensor& candidates, const at::Tensor& scale,
                          const at::Tensor& anchor_labels,
                          const at::Tensor& candidate_labels,
                          const at::Tensor& weights, int64_t self_offset,
                          int64_t anchor_chunk = kDefaultAnchorChunk,
                          const SameGroupMask& mask = {});

// The same sum with target distributions instead of labels: targets [n, N]
// (no gradient; rows sum to 1, or are zero), no self exclusion.
at::Tensor SoftContrastiveSum(const at::Tensor& anchors,
                              const at::Tensor& candidates,
                              const at::Tensor& scale,
                              const at::Tensor& targets,
                              const at::Tensor& weights,
                              int64_t anchor_chunk = kDefaultAnchorChunk);

}  // namespace micon

#endif  // MICON_CORE_CONTRASTIVE_KERNEL_H_
