#include "core/contrastive_losses.h"

#include <torch/torch.h>

#include <tuple>

namespace micon {
namespace {

// For each row, how often its label occurs in `reference` (the global labels).
torch::Tensor LabelMultiplicity(const torch::Tensor& labels,
                                const torch::Tensor& reference) {
  return (labels.unsqueeze(1) == reference.unsqueeze(0)).sum(1);
}

void CheckLocalInGlobal(const torch::Tensor& local, const torch::Tensor& global,
                        int64_t offset) {
  TORCH_CHECK(local.dim() == 2 && global.dim() == 2,
              "embeddings must be 2-D, got local ", local.sizes(), " global ",
              global.sizes());
  TORCH_CHECK(offset >= 0 && offset + local.size(0) <= global.size(0),
              "local rows [", offset, ", ", offset + local.size(0),
              ") do not fit in a global batch of ", global.size(0));
}

}  // namespace

int64_t CountAnchorsWithPositive(const at::Tensor& global_labels) {
  torch::Tensor counts;
  std::tie(std::ignore, std::ignore, counts) =
      torch::_unique2(global_labels, /*sorted=*/false, /*return_inverse=*/false,
                      /*return_counts=*/true);
  return counts.masked_select(counts >= 2).sum().item<int64_t>();
}

at::Tensor SupConLoss(const at::Tensor& local, const at::Tensor& global,
                      const at::Tensor& local_labels,
                      const at::Tensor& global_labels, int64_t offset,
                      const ContrastiveOptions& options) {
  CheckLocalInGlobal(local, global, offset);
  TORCH_CHECK(options.temperature > 0, "temperature must be positive, got ",
              options.temperature);
  const int64_t anchors_with_positive = CountAnchorsWithPositive(global_labels);
  const torch::Tensor has_positive =
      LabelMultiplicity(local_labels, global_labels) >= 2;
  const torch::Tensor weights =
      has_positive.to(local.scalar_type()) /
      static_cast<double>(std::max<int64_t>(1, anchors_with_positive));
  const torch::Tensor scale = torch::full({}, 1.0 / options.temperature,
                                          local.options().requires_grad(false));
  return ContrastiveSum(local, global, scale, local_labels, global_labels,
                        weights, offset, options.anchor_chunk);
}

at::Tensor NtXentLoss(const at::Tensor& local, const at::Tensor& global,
                      const at::Tensor& local_instance,
                      const at::Tensor& global_instance, int64_t offset,
                      const ContrastiveOptions& options) {
  TORCH_CHECK((LabelMultiplicity(global_instance, global_instance) == 2)
                  .all()
                  .item<bool>(),
              "NT-Xent needs every instance id exactly twice in the global "
              "batch (two views)");
  return SupConLoss(local, global, local_instance, global_instance, offset,
                    options);
}

namespace {

// The pairing both CLIP-style losses share: image row i and molecule row i
// are a pair, so anchor i's one positive is the other modality's row i (its
// global index); no self-exclusion. Every anchor weighs `weight_per_row /
// global rows`.
struct PairTerms {
  torch::Tensor local_ids, global_ids, weights;
};

PairTerms Pairs(const at::Tensor& local_image, const at::Tensor& global_image,
                const at::Tensor& local_molecule,
                const at::Tensor& global_molecule, int64_t offset,
                double weight_per_row) {
  CheckLocalInGlobal(local_image, global_image, offset);
  CheckLocalInGlobal(local_molecule, global_molecule, offset);
  TORCH_CHECK(local_image.size(0) == local_molecule.size(0) &&
                  global_image.size(0) == global_molecule.size(0),
              "CLIP-style losses need one molecule row per image row");
  const int64_t n = local_image.size(0), total = global_image.size(0);
  const auto long_options =
      torch::TensorOptions().dtype(torch::kLong).device(local_image.device());
  return {torch::arange(offset, offset + n, long_options),
          torch::arange(total, long_options),
          torch::full({n}, weight_per_row / static_cast<double>(total),
                      local_image.options().requires_grad(false))};
}

}  // namespace

at::Tensor ClipLoss(const at::Tensor& local_image,
                    const at::Tensor& global_image,
                    const at::Tensor& local_molecule,
                    const at::Tensor& global_molecule, int64_t offset,
                    const at::Tensor& logit_scale, int64_t anchor_chunk,
                    const SameGroupMask& same_compound) {
  const PairTerms p = Pairs(local_image, global_image, local_molecule,
                            global_molecule, offset, 0.5);
  return ContrastiveSum(local_image, global_molecule, logit_scale, p.local_ids,
                        p.global_ids, p.weights, kNoSelfExclusion, anchor_chunk,
                        same_compound) +
         ContrastiveSum(local_molecule, global_image, logit_scale, p.local_ids,
                        p.global_ids, p.weights, kNoSelfExclusion, anchor_chunk,
                        same_compound);
}

at::Tensor CwclLoss(const at::Tensor& local_image,
                    const at::Tensor& global_image,
                    const at::Tensor& local_molecule,
                    const at::Tensor& global_molecule,
                    const at::Tensor& local_targets, int64_t offset,
                    const at::Tensor& logit_scale, int64_t anchor_chunk,
                    const SameGroupMask& same_compound) {
  const PairTerms p = Pairs(local_image, global_image, local_molecule,
                            global_molecule, offset, 1.0);
  return SoftContrastiveSum(local_image, global_molecule, logit_scale,
                            local_targets, p.weights, anchor_chunk) +
         ContrastiveSum(local_molecule, global_image, logit_scale, p.local_ids,
                        p.global_ids, p.weights, kNoSelfExclusion, anchor_chunk,
                        same_compound);
}

at::Tensor CwclTargets(const at::Tensor& local_inputs,
                       const at::Tensor& global_inputs) {
  TORCH_CHECK(local_inputs.dim() == 3 && global_inputs.dim() == 3 &&
                  local_inputs.size(1) == global_inputs.size(1) &&
                  local_inputs.size(2) == global_inputs.size(2),
              "CWCL inputs must be [n, C, D] and [N, C, D], got ",
              local_inputs.sizes(), " and ", global_inputs.sizes());
  torch::NoGradGuard no_grad;
  auto unit = [](const torch::Tensor& x) {
    return (x / (x.norm(2, -1, true) + 1e-8)).flatten(1);
  };
  const int64_t channels = local_inputs.size(1);
  const torch::Tensor cosine =
      torch::mm(unit(local_inputs), unit(global_inputs).t()) /
      static_cast<double>(channels);
  // Every weight is >= 0 and a row's sum is >= 1/2 (its own well's weight
  // is 1, or 1/2 for an all-zero input), so rows normalise exactly; the
  // reference adds 1e-8 to the sum, which leaves them 1e-8 short of 1.
  const torch::Tensor w = cosine / 2 + 0.5;
  return w / w.sum(1, true);
}

at::Tensor ClipLogitScale(const at::Tensor& log_scale, double max_scale) {
  return log_scale.exp().clamp_max(max_scale);
}

}  // namespace micon
