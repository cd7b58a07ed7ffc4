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

// A stalled rank, on a world of at least 3 ranks: rank 2 skips the second of
// two all-reduces. Every other rank's second all-reduce fails within its
// 300 ms limit, naming it: either its own deadline, with the rank that did
// not arrive and the operation before, or the failure of a peer that timed
// out first. The operation after that fails at once. It breaks the
// communicator, so it runs alone, on a world of its own. (MPI's stalls need
// processes: tests/distributed/mpi_fault_probe.cc.)
void CheckStalledRankIsNamed(Communicator& comm);

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_
