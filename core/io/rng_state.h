// rng_state.h: this process's LibTorch random-number state, as bytes a
// checkpoint can hold.
//
//   std::string bytes = CaptureRngState();    // CPU generator (+ every GPU's)
//   MICON_RETURN_IF_ERROR(RestoreRngState(bytes));
//
// The data pipeline draws from its own (seed, step)-keyed streams, so these
// generators only serve the model (dropout, initialisation); restoring them
// still matters for exact continuation when dropout is on.
#ifndef MICON_CORE_IO_RNG_STATE_H_
#define MICON_CORE_IO_RNG_STATE_H_

#include <string>

#include "absl/status/status.h"

namespace micon {

std::string CaptureRngState();
// Fails, naming what differs, if the bytes were captured by a process with a
// different set of generators (e.g. a GPU run resumed on CPU).
absl::Status RestoreRngState(const std::string& bytes);

}  // namespace micon

#endif  // MICON_CORE_IO_RNG_STATE_H_
