// communicator_contract.h: what every Communicator backend must do, with
// closed-form expectations (rank r contributes r + 1; the sum is n(n+1)/2).
// Each function runs on one rank and must be called on every rank; the thread
// and MPI suites instantiate all of them.
#ifndef MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_
#define MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_

#include "distributed/communicator.h"

namespace micon::testing {

void CheckAllReduce(Communicator& comm);
void CheckAllGather(Communicator& comm);
void CheckAllGatherUneven(Communicator& comm);
void CheckReduceScatterUneven(Communicator& comm);
void CheckBroadcast(Communicator& comm);
void CheckBarrierAndOrdering(Communicator& comm);
void CheckGatherWithGradient(Communicator& comm);
void CheckGradientReducer(Communicator& comm);
void CheckParameterSync(Communicator& comm);

// Every check above, in order.
void CheckCommunicatorContract(Communicator& comm);

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_COMMUNICATOR_CONTRACT_H_
