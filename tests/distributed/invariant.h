// invariant.h: DESIGN.md §4's invariant, checked on whatever communicator runs
// it.
//
// N ranks with (uneven) local batches compute the same loss and, after gradient
// averaging, the same parameter gradients as one process on the concatenated
// batch. Rank 0 computes that one process, on the CPU, in the case's dtype and
// in float64 (the exact answer); the ranks compute on `device` (a GPU for
// NCCL on a GPU machine: tests/gpu).
//  - float64: loss and every parameter's gradient within 1e-10 of one
//    process, relative to the parameter's largest entry: the computation
//    itself is exact (seen: 1e-14).
//  - float32: loss within 1e-5 relative; the whole gradient within 1e-5 of the
//    exact gradient relative to its largest entry, or no worse than twice one
//    float32 process's own error. For the profile MLP both are ~5e-7. For ResNet-18 on
//    32x32 images (layer4 sees 1x1 maps, so BatchNorm normalises ~32 values)
//    one process in float32 is itself 0.2-0.5% off the exact gradient, and N
//    ranks land at the same distance (measured: 4.6e-3 vs 4.4e-3, 2.5e-3
//    vs 2.6e-3); a per-parameter float32 comparison would only compare rounding
//    noise.
#ifndef MICON_TESTS_DISTRIBUTED_INVARIANT_H_
#define MICON_TESTS_DISTRIBUTED_INVARIANT_H_

#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "core/objective.h"
#include "distributed/communicator.h"

namespace micon::testing {

struct InvariantCase {
  Objective objective;
  bool image_encoder;  // ResNet-18 per-channel with synchronised BatchNorm,
                       // else profile MLP
  bool float64 = false;
  // MICON with the residual generator and the h-space alignment term
  // (loss.lambda_h), whose mean needs the global batch size.
  bool h_alignment = false;
  // CellCLIP (whose encoder is always the cross-channel transformer over
  // wells of unequal field counts): CLIP's or CWCL's targets.
  CellclipTargets targets = CellclipTargets::kHard;
  // MICON: loss.counterfactual_detach_treated (false: the counterfactual loss
  // reaches the encoder through h_treated).
  bool detach_treated = true;
};

std::string CaseName(const InvariantCase& c);

// Local batch sizes used for a world: uneven, e.g. {2, 3} or {1, 3, 2, 2}.
std::vector<int64_t> LocalBatchSizes(int world_size);

void CheckStepInvariant(Communicator& comm, const InvariantCase& c,
                        c10::Device device = c10::kCPU);

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_INVARIANT_H_
