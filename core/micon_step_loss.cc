#include "core/micon_step_loss.h"

#include <torch/torch.h>

#include "core/contrastive_losses.h"

namespace micon {
namespace {

// [B, V, ...] -> [B*V, ...], entry-major (b0v0, b0v1, b1v0, ...).
torch::Tensor FlattenViews(const torch::Tensor& t, int64_t views,
                           const char* name) {
  TORCH_CHECK(t.defined() && t.dim() >= 3 && t.size(1) == views, name,
              " must be [B, ", views, ", ...], got ",
              t.defined() ? t.sizes() : torch::IntArrayRef{});
  return t.flatten(0, 1);
}

torch::Tensor GatheredSupCon(const torch::Tensor& z,
                             const torch::Tensor& labels,
                             const StepLossOptions& options,
                             BatchGather& gather) {
  int64_t offset = 0;
  const std::vector<at::Tensor> global =
      gather.GatherTogether({z, labels}, &offset);
  return SupConLoss(z, global[0], labels, global[1], offset,
                    {options.temperature, options.anchor_chunk});
}

LossParts PaclrAndCounterfactual(MiconModelImpl& model, const StepBatch& batch,
                                 const StepLossOptions& options,
                                 BatchGather& gather) {
  const int64_t b = batch.samples.size(0);
  TORCH_CHECK(batch.compound.defined() && batch.compound.dim() == 1 &&
                  batch.compound.size(0) == b,
              "compound must be [", b, "]");
  const torch::Tensor h_treated =
      model.Embed(FlattenViews(batch.samples, 2, "samples"));
  const torch::Tensor h_control =
      model.Embed(FlattenViews(batch.controls, 2, "controls"));
  const torch::Tensor compound = batch.compound.to(torch::kLong);
  const torch::Tensor treated_labels = compound.repeat_interleave(2);
  const torch::Tensor labels =
      torch::cat({treated_labels, torch::full({2 * b}, kControlLabel,
                                              treated_labels.options())});
  LossParts parts;
  parts.paclr =
      GatheredSupCon(model.Project(torch::cat({h_treated, h_control})), labels,
                     options, gather);
  parts.total = parts.paclr;
  if (options.objective != Objective::kMicon) return parts;

  TORCH_CHECK(batch.molecule.defined() && batch.molecule.dim() == 2 &&
                  batch.molecule.size(0) == b,
              "molecule must be [", b, ", F] for the MICON objective");
  const torch::Tensor m = model.EncodeMolecule(batch.molecule);
  const torch::Tensor cf_labels = torch::cat({compound, compound});
  torch::Tensor cf = torch::zeros({}, h_treated.options());
  torch::Tensor misalignment = torch::zeros({}, h_treated.options());
  for (int64_t v = 0; v < 2; ++v) {
    torch::Tensor h_t = h_treated.view({b, 2, -1}).select(1, v);
    if (options.counterfactual_detach_treated) h_t = h_t.detach();
    const torch::Tensor h_c = h_control.view({b, 2, -1}).select(1, v);
    const torch::Tensor h_hat = model.Counterfactual(h_c, m);
    const torch::Tensor z =
        torch::cat({model.Project(h_t), model.Project(h_hat)});
    cf = cf + GatheredSupCon(z, cf_labels, options, gather);
    if (options.lambda_h > 0) {
      misalignment = misalignment + (1 - (h_hat * h_t).sum(1)).sum();
    }
  }
  parts.counterfactual = cf / 2;
  parts.total = parts.paclr + options.lambda * parts.counterfactual;
  if (options.lambda_h > 0) {
    // This rank's share of the global mean: its sum over the global count
    // (the compound labels carry the ranks' row counts).
    const int64_t global_b = gather.Gather(compound).global.size(0);
    parts.counterfactual_h = misalignment / static_cast<double>(2 * global_b);
    parts.total = parts.total + options.lambda_h * parts.counterfactual_h;
  }
  return parts;
}

// A well's frozen input: the mean of its present fields, [B, C, D].
torch::Tensor WellInputs(const torch::Tensor& wells,
                         const torch::Tensor& present) {
  const torch::Tensor p =
      present.to(wells.scalar_type()).unsqueeze(-1).unsqueeze(-1);
  return (wells * p).sum(1) / p.sum(1).clamp_min(1);
}

// The loss between this rank's projected samples `u` and their molecules,
// over the global batch: CLIP's, or CWCL's when `cwcl_inputs` (the samples'
// frozen inputs, gathered beside them for the soft targets) is defined.
torch::Tensor MoleculeAlignment(MiconModelImpl& model, const torch::Tensor& u,
                                const StepBatch& batch,
                                const StepLossOptions& options,
                                BatchGather& gather,
                                const torch::Tensor& cwcl_inputs) {
  TORCH_CHECK(batch.compound.defined() &&
                  batch.compound.size(0) == batch.molecule.size(0),
              "CLIP-style losses need each sample's compound label");
  const torch::Tensor v =
      model.ProjectMolecule(model.EncodeMolecule(batch.molecule));
  const torch::Tensor compound = batch.compound.to(torch::kLong);
  std::vector<at::Tensor> locals = {u, v, compound};
  if (cwcl_inputs.defined()) locals.push_back(cwcl_inputs);
  int64_t offset = 0;
  const std::vector<at::Tensor> global = gather.GatherTogether(locals, &offset);
  // The compound labels span the ranks, so a compound repeated on two ranks
  // is masked as one repeated on this one.
  const SameGroupMask same_compound{compound, global[2]};
  if (!cwcl_inputs.defined()) {
    return ClipLoss(u, global[0], v, global[1], offset, model.ClipLogitScale(),
                    options.anchor_chunk, same_compound);
  }
  return CwclLoss(u, global[0], v, global[1],
                  CwclTargets(cwcl_inputs, global[3]), offset,
                  model.ClipLogitScale(), options.anchor_chunk, same_compound);
}

LossParts CellclipLoss(MiconModelImpl& model, const StepBatch& batch,
                       const StepLossOptions& options, BatchGather& gather) {
  TORCH_CHECK(batch.samples.dim() == 4 && batch.present.defined(),
              "CellCLIP needs wells [B, K, C, D] and present [B, K]");
  TORCH_CHECK(batch.molecule.defined() &&
                  batch.molecule.size(0) == batch.samples.size(0),
              "CellCLIP needs one molecule row per well");
  const torch::Tensor u =
      model.Project(model.EmbedWells(batch.samples, batch.present));
  const torch::Tensor cwcl_inputs =
      options.cellclip_targets == CellclipTargets::kCwcl
          ? WellInputs(batch.samples, batch.present).detach()
          : torch::Tensor();
  LossParts parts;
  parts.cellclip =
      MoleculeAlignment(model, u, batch, options, gather, cwcl_inputs);
  parts.total = parts.cellclip;
  return parts;
}

}  // namespace

LossParts ComputeStepLoss(MiconModelImpl& model, const StepBatch& batch,
                          const StepLossOptions& options, BatchGather& gather) {
  TORCH_CHECK(batch.samples.defined(), "batch has no samples");
  switch (options.objective) {
    case Objective::kMicon:
    case Objective::kPaclr:
      return PaclrAndCounterfactual(model, batch, options, gather);
    case Objective::kSimclr: {
      const torch::Tensor z =
          model.Project(model.Embed(FlattenViews(batch.samples, 2, "samples")));
      const GatheredRows rows = gather.Gather(z);
      // Rows come in view pairs everywhere, so row / 2 is a globally unique
      // instance id.
      const auto long_options =
          torch::TensorOptions().dtype(torch::kLong).device(z.device());
      const torch::Tensor local_ids =
          torch::arange(rows.offset, rows.offset + z.size(0), long_options)
              .floor_divide(2);
      const torch::Tensor global_ids =
          torch::arange(rows.global.size(0), long_options).floor_divide(2);
      LossParts parts;
      parts.simclr =
          NtXentLoss(z, rows.global, local_ids, global_ids, rows.offset,
                     {options.temperature, options.anchor_chunk});
      parts.total = parts.simclr;
      return parts;
    }
    case Objective::kClip: {
      TORCH_CHECK(batch.molecule.defined() &&
                      batch.molecule.size(0) == batch.samples.size(0),
                  "CLIP needs one molecule row per sample");
      const torch::Tensor u =
          model.Project(model.Embed(FlattenViews(batch.samples, 1, "samples")));
      LossParts parts;
      parts.clip =
          MoleculeAlignment(model, u, batch, options, gather, torch::Tensor());
      parts.total = parts.clip;
      return parts;
    }
    case Objective::kCellclip:
      return CellclipLoss(model, batch, options, gather);
  }
  TORCH_CHECK(false, "unhandled objective");
}

}  // namespace micon
