// fault_injection.h: faults a test asks a micon process to suffer, named in
// the MICON_FAULT environment variable, so that the failures a cluster
// produces (a NaN, a rank killed while it writes a checkpoint, a stuck rank)
// can be provoked on purpose and their handling tested end to end.
//
//   MICON_FAULT=nan-gradient@3          step 3's gradient gets a NaN, rank 0
//   MICON_FAULT=nan-loss@2:1,hang@5:0   rank 1's loss at step 2; rank 0 hangs
//                                       at step 5
//
// Each entry is KIND@STEP[:RANK] (RANK defaults to 0; steps count from 1, as
// the progress lines do). The kinds are listed in kFaultKindNames below.
// Production runs leave the variable unset, and then every query is false.
#ifndef MICON_CORE_FAULT_INJECTION_H_
#define MICON_CORE_FAULT_INJECTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/enum_names.h"

namespace micon {

enum class FaultKind {
  kNanGradient,  // a NaN in the rank's first gradient, before the all-reduce
  kNanLoss,      // the rank's loss multiplied by NaN before backward
  kCheckpointWritePause,  // rank 0 stops half-way through the checkpoint of
                          // STEP (writes half the file, then waits forever)
  kLoaderHang,            // the rank's loader never delivers the batch of STEP
  kHang,                  // the rank stops before backward (and its gradient
                          // all-reduce) of STEP
};

inline constexpr EnumName<FaultKind> kFaultKindNames[] = {
    {"nan-gradient", FaultKind::kNanGradient},
    {"nan-loss", FaultKind::kNanLoss},
    {"checkpoint-write-pause", FaultKind::kCheckpointWritePause},
    {"loader-hang", FaultKind::kLoaderHang},
    {"hang", FaultKind::kHang}};

struct Fault {
  FaultKind kind;
  int64_t step = 0;
  int rank = 0;
};

// "KIND@STEP[:RANK],..." -> faults; an error names the bad entry.
absl::StatusOr<std::vector<Fault>> ParseFaults(const std::string& spec);

// Whether MICON_FAULT asks for `kind` at `step` (1-based) on `rank`. The
// variable is read once per process; a malformed value throws
// std::invalid_argument naming it (caught by main).
bool FaultRequested(FaultKind kind, int64_t step, int rank);

// Blocks the calling thread for good (a hung rank), after saying so on
// stderr: the test that injected the fault ends the process.
[[noreturn]] void HangForFault(const std::string& where);

}  // namespace micon

#endif  // MICON_CORE_FAULT_INJECTION_H_
