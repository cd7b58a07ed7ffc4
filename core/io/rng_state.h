// rng_state.h: this rank's LibTorch random-number state, as bytes a
// checkpoint can hold.
//
//   std::string bytes = CaptureRngState(device);  // CPU generator, + the GPU
//                                                 // this rank computes on
//   MICON_RETURN_IF_ERROR(RestoreRngState(bytes, device));
//
// Only the generators of the CPU and of the rank's bound device are kept, so
// a run resumes whatever other GPUs the node shows (CUDA_VISIBLE_DEVICES may
// differ between a job and its requeued continuation). The data pipeline
// draws from its own (seed, step)-keyed streams, so these generators only
// serve the model (dropout, initialisation); restoring them still matters for
// exact continuation when dropout is on.
#ifndef MICON_CORE_IO_RNG_STATE_H_
#define MICON_CORE_IO_RNG_STATE_H_

#include <c10/core/Device.h>

#include <string>

#include "absl/status/status.h"

namespace micon {

std::string CaptureRngState(const c10::Device& device);
// Fails, naming both, when the bytes hold another set of generators (a GPU
// run resumed on CPU, or the reverse).
absl::Status RestoreRngState(const std::string& bytes,
                             const c10::Device& device);

}  // namespace micon

#endif  // MICON_CORE_IO_RNG_STATE_H_
