// parameter_sync.h: every rank starts from rank 0's parameters, and can prove
// it.
//
//   MICON_RETURN_IF_ERROR(BroadcastModule(comm, *model));        // at start
//   MICON_RETURN_IF_ERROR(VerifyModuleIdentical(comm, *model));  // after start
//                                                                // and resume
//
// The checksum is FNV-1a over the raw bytes of every parameter and buffer in
// name order, so "identical" means bitwise identical. The error names the ranks
// that differ from rank 0.
#ifndef MICON_DISTRIBUTED_PARAMETER_SYNC_H_
#define MICON_DISTRIBUTED_PARAMETER_SYNC_H_

#include <torch/nn/module.h>

#include <cstdint>

#include "absl/status/status.h"
#include "distributed/communicator.h"

namespace micon {

absl::Status BroadcastModule(Communicator& comm, torch::nn::Module& module,
                             int root = 0);
absl::Status VerifyModuleIdentical(Communicator& comm,
                                   const torch::nn::Module& module);
uint64_t ModuleChecksum(const torch::nn::Module& module);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_PARAMETER_SYNC_H_
