// invariant.h: DESIGN.md §4's invariant, checked on whatever communicator runs
// it.
//
// N ranks with (uneven) local batches compute the same loss and, after gradient
// averaging, the same parameter gradients as one process on the concatenated
// batch.
//  - float32: loss within 1e-5 relative; gradients element-wise within rtol
//  1e-5 and atol
//    1e-5 x the largest gradient entry (a bias fed by cancelling terms is
//    otherwise at the mercy of float32 summation order);
//  - float64: every parameter's gradient within 1e-10 of its own largest entry,
//  which shows
//    the computation itself is exact (seen: 3e-14).
// Every rank calls CheckStepInvariant with the same case; rank 0 also computes
// the one-process reference and broadcasts it.
#ifndef MICON_TESTS_DISTRIBUTED_INVARIANT_H_
#define MICON_TESTS_DISTRIBUTED_INVARIANT_H_

#include <string>

#include "core/objective.h"
#include "distributed/communicator.h"

namespace micon::testing {

struct InvariantCase {
  Objective objective;
  bool image_encoder;  // ResNet-18 per-channel with synchronised BatchNorm,
                       // else profile MLP
  bool float64 = false;
};

std::string CaseName(const InvariantCase& c);

// Local batch sizes used for a world: uneven, e.g. {2, 3} or {1, 3, 2, 2}.
std::vector<int64_t> LocalBatchSizes(int world_size);

void CheckStepInvariant(Communicator& comm, const InvariantCase& c);

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_INVARIANT_H_
