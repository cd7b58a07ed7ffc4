#include "core/contrastive_kernel.h"

#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>

namespace micon {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Forward runs inside the trainer's autocast scope and backward after it has
// closed; without this guard autocast would run the forward's logits matmul
// in bf16 while backward recomputes them in float32, so the loss and its
// gradient would disagree. Both passes exclude autocast and compute in
// float32 (float64 for float64 inputs), whatever scope is active.
class NoAutocast {
 public:
  NoAutocast() : guard_(c10::autocast_dispatch_keyset) {}

 private:
  c10::impl::ExcludeDispatchKeyGuard guard_;
};

// Logits and target distribution of anchors [begin, end) against every
// candidate.
struct ChunkTerms {
  torch::Tensor dots;    // <a_i, c_j>, compute dtype
  torch::Tensor logits;  // scale * dots, self entries -inf
  // q_ij: the given soft targets, or 1/|P(i)| on the positives of the labels
  // (rows without a positive are all zero).
  torch::Tensor target;
};

// What defines the targets: labels (hard positives) or a given matrix. The
// autograd function takes every tensor argument defined (LibTorch records
// each input's device), so the unused kind comes as an empty 1-D tensor: soft
// targets are the 2-D ones.
struct Targets {
  torch::Tensor anchor_labels, candidate_labels;  // hard
  torch::Tensor soft;  // [n, N], rows sum to 1; empty [0] for hard targets
  // Hard targets' same-group mask; empty [0] when there is none.
  torch::Tensor anchor_groups, candidate_groups;
  bool is_soft() const { return soft.dim() == 2; }
  bool masks_groups() const { return anchor_groups.numel() > 0; }
};

ChunkTerms ComputeChunk(const torch::Tensor& anchors,
                        const torch::Tensor& candidates,
                        const torch::Tensor& scale, const Targets& targets,
                        int64_t self_offset, int64_t begin, int64_t end) {
  ChunkTerms t;
  t.dots = torch::mm(anchors.slice(0, begin, end), candidates.t());
  t.logits = t.dots * scale;
  if (targets.is_soft()) {
    t.target = targets.soft.slice(0, begin, end).to(t.logits.scalar_type());
    return t;
  }
  torch::Tensor positive =
      targets.anchor_labels.slice(0, begin, end).unsqueeze(1) ==
      targets.candidate_labels.unsqueeze(0);
  if (self_offset != kNoSelfExclusion) {
    const auto options =
        torch::TensorOptions().dtype(torch::kLong).device(anchors.device());
    const torch::Tensor rows = torch::arange(end - begin, options);
    const torch::Tensor self_cols = rows + (self_offset + begin);
    torch::Tensor self = torch::zeros_like(positive);
    self.index_put_({rows, self_cols}, true);
    positive = positive & ~self;
    t.logits =
        t.logits.masked_fill(self, -std::numeric_limits<double>::infinity());
  }
  if (targets.masks_groups()) {
    const torch::Tensor same_group =
        targets.anchor_groups.slice(0, begin, end).unsqueeze(1) ==
        targets.candidate_groups.unsqueeze(0);
    t.logits = t.logits.masked_fill(same_group & ~positive,
                                    -std::numeric_limits<double>::infinity());
  }
  const torch::Tensor hard = positive.to(t.logits.scalar_type());
  t.target = hard / hard.sum(1, true).clamp_min(1);
  return t;
}

// sum_j q_ij s_ij, with entries of zero target left out (a self entry's
// logit is -inf).
torch::Tensor TargetLogits(const ChunkTerms& t) {
  return torch::where(t.target != 0, t.target * t.logits,
                      torch::zeros_like(t.logits))
      .sum(1);
}

class ContrastiveFunction
    : public torch::autograd::Function<ContrastiveFunction> {
 public:
  static torch::Tensor forward(
      AutogradContext* ctx, torch::Tensor anchors, torch::Tensor candidates,
      torch::Tensor scale, torch::Tensor anchor_labels,
      torch::Tensor candidate_labels, torch::Tensor soft_targets,
      torch::Tensor anchor_groups, torch::Tensor candidate_groups,
      torch::Tensor weights, int64_t self_offset, int64_t chunk) {
    const NoAutocast no_autocast;
    const auto compute = anchors.scalar_type() == torch::kDouble
                             ? torch::kDouble
                             : torch::kFloat;
    const torch::Tensor a = anchors.to(compute), c = candidates.to(compute),
                        s = scale.to(compute), w = weights.to(compute);
    const Targets targets{anchor_labels, candidate_labels, soft_targets,
                          anchor_groups, candidate_groups};
    torch::Tensor total = torch::zeros({}, a.options());
    for (int64_t begin = 0; begin < a.size(0); begin += chunk) {
      const int64_t end = std::min(begin + chunk, a.size(0));
      ChunkTerms t = ComputeChunk(a, c, s, targets, self_offset, begin, end);
      const torch::Tensor wc = w.slice(0, begin, end);
      const torch::Tensor active = wc != 0;
      const torch::Tensor per_anchor =
          torch::logsumexp(t.logits, 1) - TargetLogits(t);
      total +=
          torch::where(active, wc * per_anchor, torch::zeros_like(per_anchor))
              .sum();
    }
    ctx->save_for_backward({anchors, candidates, scale, anchor_labels,
                            candidate_labels, soft_targets, weights,
                            anchor_groups, candidate_groups});
    ctx->saved_data["self_offset"] = self_offset;
    ctx->saved_data["chunk"] = chunk;
    return total.to(anchors.scalar_type());
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const NoAutocast no_autocast;
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &anchors = saved[0], &candidates = saved[1],
                        &scale = saved[2], &anchor_labels = saved[3],
                        &candidate_labels = saved[4], &soft_targets = saved[5],
                        &weights = saved[6], &anchor_groups = saved[7],
                        &candidate_groups = saved[8];
    const int64_t self_offset = ctx->saved_data["self_offset"].toInt();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const auto compute = anchors.scalar_type() == torch::kDouble
                             ? torch::kDouble
                             : torch::kFloat;
    const torch::Tensor a = anchors.to(compute), c = candidates.to(compute),
                        s = scale.to(compute);
    const torch::Tensor w = weights.to(compute) * grad_outputs[0].to(compute);
    torch::Tensor grad_a = torch::zeros_like(a), grad_c = torch::zeros_like(c);
    const Targets targets{anchor_labels, candidate_labels, soft_targets,
                          anchor_groups, candidate_groups};
    torch::Tensor grad_scale = torch::zeros({}, a.options());
    for (int64_t begin = 0; begin < a.size(0); begin += chunk) {
      const int64_t end = std::min(begin + chunk, a.size(0));
      ChunkTerms t = ComputeChunk(a, c, s, targets, self_offset, begin, end);
      const torch::Tensor wc = w.slice(0, begin, end).unsqueeze(1);
      // d loss_i / d s_ij = softmax_ij - q_ij, zero for inactive anchors.
      torch::Tensor g = torch::softmax(t.logits, 1) - t.target;
      g = torch::where(wc != 0, g * wc, torch::zeros_like(g));
      grad_a.slice(0, begin, end).copy_(torch::mm(g, c) * s);
      grad_c.add_(torch::mm(g.t(), a.slice(0, begin, end)) * s);
      grad_scale += (g * t.dots).sum();
    }
    return {grad_a.to(anchors.scalar_type()),
            grad_c.to(candidates.scalar_type()),
            grad_scale.to(scale.scalar_type()),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor()};
  }
};

void CheckCommon(const at::Tensor& anchors, const at::Tensor& candidates,
                 const at::Tensor& scale, const at::Tensor& weights,
                 int64_t anchor_chunk) {
  TORCH_CHECK(anchors.dim() == 2 && candidates.dim() == 2,
              "anchors [n,d] and candidates [N,d] "
              "must be 2-D, got ",
              anchors.sizes(), " and ", candidates.sizes());
  TORCH_CHECK(anchors.size(1) == candidates.size(1), "anchor width ",
              anchors.size(1), " != candidate width ", candidates.size(1));
  TORCH_CHECK(weights.dim() == 1 && weights.size(0) == anchors.size(0),
              "weights must be [", anchors.size(0), "], got ", weights.sizes());
  TORCH_CHECK(scale.dim() == 0, "scale must be 0-dim, got ", scale.sizes());
  TORCH_CHECK(anchor_chunk > 0, "anchor_chunk must be positive, got ",
              anchor_chunk);
}

}  // namespace

at::Tensor ContrastiveSum(const at::Tensor& anchors,
                          const at::Tensor& candidates, const at::Tensor& scale,
                          const at::Tensor& anchor_labels,
                          const at::Tensor& candidate_labels,
                          const at::Tensor& weights, int64_t self_offset,
                          int64_t anchor_chunk, const SameGroupMask& mask) {
  CheckCommon(anchors, candidates, scale, weights, anchor_chunk);
  TORCH_CHECK(
      anchor_labels.dim() == 1 && anchor_labels.size(0) == anchors.size(0),
      "anchor_labels must be [", anchors.size(0), "], got ",
      anchor_labels.sizes());
  TORCH_CHECK(candidate_labels.dim() == 1 &&
                  candidate_labels.size(0) == candidates.size(0),
              "candidate_labels must be [", candidates.size(0), "], got ",
              candidate_labels.sizes());
  TORCH_CHECK(anchor_labels.scalar_type() == torch::kLong &&
                  candidate_labels.scalar_type() == torch::kLong,
              "labels must be int64");
  TORCH_CHECK(self_offset == kNoSelfExclusion ||
                  (self_offset >= 0 &&
                   self_offset + anchors.size(0) <= candidates.size(0)),
              "self_offset ", self_offset, " with ", anchors.size(0),
              " anchors exceeds ", candidates.size(0), " candidates");
  const at::Tensor no_groups = torch::empty(
      {0}, torch::TensorOptions(torch::kLong).device(anchors.device()));
  if (mask.defined()) {
    TORCH_CHECK(mask.anchor_groups.dim() == 1 &&
                    mask.anchor_groups.size(0) == anchors.size(0) &&
                    mask.candidate_groups.defined() &&
                    mask.candidate_groups.dim() == 1 &&
                    mask.candidate_groups.size(0) == candidates.size(0) &&
                    mask.anchor_groups.scalar_type() == torch::kLong &&
                    mask.candidate_groups.scalar_type() == torch::kLong,
                "same-group mask must be int64 [", anchors.size(0), "] and [",
                candidates.size(0), "]");
  }
  const at::Tensor none = torch::empty({0}, anchors.options());
  return ContrastiveFunction::apply(
      anchors, candidates, scale, anchor_labels, candidate_labels, none,
      mask.defined() ? mask.anchor_groups : no_groups,
      mask.defined() ? mask.candidate_groups : no_groups, weights.detach(),
      self_offset, anchor_chunk);
}

at::Tensor SoftContrastiveSum(const at::Tensor& anchors,
                              const at::Tensor& candidates,
                              const at::Tensor& scale,
                              const at::Tensor& targets,
                              const at::Tensor& weights, int64_t anchor_chunk) {
  CheckCommon(anchors, candidates, scale, weights, anchor_chunk);
  TORCH_CHECK(targets.dim() == 2 && targets.size(0) == anchors.size(0) &&
                  targets.size(1) == candidates.size(0),
              "targets must be [", anchors.size(0), ", ", candidates.size(0),
              "], got ", targets.sizes());
  const at::Tensor no_labels = torch::empty(
      {0}, torch::TensorOptions(torch::kLong).device(anchors.device()));
  return ContrastiveFunction::apply(
      anchors, candidates, scale, no_labels, no_labels, targets.detach(),
      no_labels, no_labels, weights.detach(), kNoSelfExclusion, anchor_chunk);
}

}  // namespace micon
