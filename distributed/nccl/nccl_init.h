// nccl_init.h: joining the ranks' NCCL communicator. Rank 0 makes NCCL's
// unique id, the CPU communicator broadcasts it, and every rank starts a
// non-blocking initialisation and polls it until it is ready, it fails, or
// `timeout` passes (then NCCL is aborted and the error says so). Collective
// over `cpu`.
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_INIT_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_INIT_H_

#include <chrono>

#include "absl/status/status.h"
#include "distributed/communicator.h"
#include "distributed/nccl/nccl_runtime.h"

namespace micon {

absl::Status JoinNccl(NcclRuntime& runtime, Communicator& cpu,
                      std::chrono::milliseconds timeout);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_INIT_H_
