// thread_ranks.h: runs a test body on N ranks of the thread backend, with a
// watchdog.
//
//   RunOnThreadRanks(4, [](Communicator& comm) { ... EXPECT_EQ(...) ... });
//
// If the ranks have not all returned within `deadline`, the world is aborted
// (every blocked collective fails) and the test fails, so a deadlock shows up
// as a failure, not a hang. Exceptions thrown on a rank become test failures
// naming the rank.
#ifndef MICON_TESTS_DISTRIBUTED_THREAD_RANKS_H_
#define MICON_TESTS_DISTRIBUTED_THREAD_RANKS_H_

#include <chrono>
#include <functional>

#include "distributed/communicator.h"

namespace micon::testing {

void RunOnThreadRanks(
    int world_size, const std::function<void(Communicator&)>& body,
    std::chrono::milliseconds deadline = std::chrono::seconds(120),
    CommunicatorOptions options = {});

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_THREAD_RANKS_H_
