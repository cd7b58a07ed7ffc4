// micon_step_loss.h: one training step's loss, from a sampled batch, for every
// objective.
//
//   micon    L = L_PaCLR + lambda * mean_views L_cf + lambda_h * L_cf_h
//   paclr    L = L_PaCLR
//   simclr   L = NT-Xent over two augmented views of each image
//   clip     L = symmetric InfoNCE between P(E(image)) and Pm(M(molecule))
//   cellclip L = CLIP (hard) or CWCL (contrastive_losses.h) between P(E(well))
//            and Pm(M(molecule)), E the cross-channel encoder; CWCL's targets
//            come from each well's frozen input (its fields' mean [C, D]),
//            gathered with the embeddings so they span the global batch
//
// L_PaCLR is SupCon over [P(h_treated); P(h_control)]: labels are compound
// indices and every control carries kControlLabel. For view v, L_cf is SupCon
// over {P(sg(h_treated_v)), P(G([sg(h_control_v); M(molecule)]))} with compound
// labels (sg on h_treated unless counterfactual_detach_treated is false). L_cf_h, the h-space alignment, is the mean over treated samples and
// views of 1 - <h_hat, sg(h_treated)>: P alone can leave h_hat far from h in
// the space profiles are scored in, and this term pulls G there directly
// (gradients reach G and M only). Treated and control samples are encoded in
// separate calls (encoder.h explains why).
//
// The result is this rank's share of the global loss (contrastive_losses.h):
// summed over ranks it is the one-process loss on the concatenated batch. With
// SingleProcessGather it is the loss.
//
//   LossParts parts = ComputeStepLoss(*model, batch, {Objective::kMicon},
//                                     gather);
//   parts.total.backward();
#ifndef MICON_CORE_MICON_STEP_LOSS_H_
#define MICON_CORE_MICON_STEP_LOSS_H_

#include <ATen/core/Tensor.h>

#include <string>

#include "absl/status/statusor.h"
#include "core/batch_gather.h"
#include "core/contrastive_kernel.h"
#include "core/micon_model.h"
#include "core/objective.h"
#include "core/step_batch.h"

namespace micon {

struct StepLossOptions {
  Objective objective = Objective::kMicon;
  // PaCLR, counterfactual and NT-Xent (the reference uses 1.0).
  double temperature = 1.0;
  double lambda = 1.0;  // weight of the counterfactual loss
  int64_t anchor_chunk = kDefaultAnchorChunk;
  double lambda_h = 0.0;  // weight of the h-space alignment (0: not computed)
  CellclipTargets cellclip_targets = CellclipTargets::kHard;
  // The reference detaches h_treated in the counterfactual loss, which then
  // trains P, G and M only; false lets that loss (and the h-space term) reach
  // the encoder through h_treated (an ablation).
  bool counterfactual_detach_treated = true;
};

// Undefined tensors for the parts an objective does not have.
struct LossParts {
  at::Tensor total;
  at::Tensor paclr;
  at::Tensor counterfactual;
  at::Tensor counterfactual_h;  // micon with lambda_h > 0
  at::Tensor simclr;
  at::Tensor clip;
  at::Tensor cellclip;
};

LossParts ComputeStepLoss(MiconModelImpl& model, const StepBatch& batch,
                          const StepLossOptions& options, BatchGather& gather);

}  // namespace micon

#endif  // MICON_CORE_MICON_STEP_LOSS_H_
