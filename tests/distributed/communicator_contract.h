// communicator_contract.h: what every Communicator backend must do, with
// closed-form expectations (rank r contributes r + 1; the sum is n(n+1)/2).
// Each function runs on one rank and must be called on every rank; the thread,
// MPI and NCCL suites instantiate all of them. `device` is where the tensors
// are made (a GPU for NCCL on a GPU machine: tests/gpu).
#ifndef MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_
#define MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_

#include <c10/core/Device.h>

#include "distributed/communicator.h"

namespace micon::testing {

void CheckAllReduce(Communicator& comm, c10::Device device = c10::kCPU);
void CheckAllGather(Communicator& comm, c10::Device device = c10::kCPU);
void CheckAllGatherUneven(Communicator& comm, c10::Device device = c10::kCPU);
void CheckReduceScatterUneven(Communicator& comm,
                              c10::Device device = c10::kCPU);
void CheckBroadcast(Communicator& comm, c10::Device device = c10::kCPU);
void CheckBarrierAndOrdering(Communicator& comm,
                             c10::Device device = c10::kCPU);
void CheckGatherWithGradient(Communicator& comm,
                             c10::Device device = c10::kCPU);
void CheckGradientReducer(Communicator& comm, c10::Device device = c10::kCPU);
void CheckParameterSync(Communicator& comm, c10::Device device = c10::kCPU);

// Every check above, in order.
void CheckCommunicatorContract(Communicator& comm,
                               c10::Device device = c10::kCPU);

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_
