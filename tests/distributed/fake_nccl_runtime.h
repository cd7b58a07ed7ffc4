// fake_nccl_runtime.h: an NcclRuntime for N thread ranks of one process that
// completes asynchronously, as NCCL does, for the NCCL communicator's tests
// on machines without a GPU.
//
//   FakeNcclWorld world(4);
//   // on rank r's thread:
//   std::unique_ptr<NcclRuntime> rt = world.Runtime(r);
//   world.InjectAsyncError(2, absl::InternalError("unhandled cuda error"));
//
// Each rank's operations run in order on a worker thread of its own (its
// "communication stream"); a collective completes when every rank's worker
// has reached it, reading the other ranks' buffers in this process (CPU
// memory). Events complete when the worker has passed them, so callers must
// poll, as with CUDA events; SynchronizeCompute stands for a host read after
// stream-ordered waits. Non-blocking initialisation completes once every
// rank has started it (HoldInit keeps it pending). A rank that aborts, or
// whose asynchronous error was injected, makes its peers' collectives fail
// with an error naming it, as NCCL reports a remote error.
//
// It is strict where NCCL assumes what it cannot check: every rank's calls
// are recorded as they take effect (op, count, type, reduction, root, and
// the group a call was made in; grouped calls take effect at the outermost
// GroupEnd, together), and a collective whose calls differ between ranks is
// not run: each rank fails with a message that names the two ranks, the
// position in their sequences and both calls, and the test fails, unless it
// planted the mismatch (ExpectMismatch).
#ifndef MICON_TESTS_DISTRIBUTED_FAKE_NCCL_RUNTIME_H_
#define MICON_TESTS_DISTRIBUTED_FAKE_NCCL_RUNTIME_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "distributed/nccl/nccl_runtime.h"

namespace micon::testing {

struct FakeNcclCounts {
  int ordered_after_compute = 0;  // OrderAfterCompute calls
  int collectives = 0;            // operations enqueued
  int compute_waits = 0;          // ComputeWaits calls
};

class FakeNcclWorld {
 public:
  explicit FakeNcclWorld(int world_size);
  ~FakeNcclWorld();
  FakeNcclWorld(const FakeNcclWorld&) = delete;
  FakeNcclWorld& operator=(const FakeNcclWorld&) = delete;

  // Rank `rank`'s runtime; the world must outlive it.
  std::unique_ptr<NcclRuntime> Runtime(int rank);
  // From now on `rank`'s CommState() returns `error`, and its peers'
  // collectives fail.
  void InjectAsyncError(int rank, absl::Status error);
  // While held, initialisation stays in progress.
  void HoldInit(bool hold);
  FakeNcclCounts Counts(int rank) const;
  // A test that plants a mismatch says so; the first one found, or "".
  void ExpectMismatch();
  std::string Mismatch() const;
  // `rank`'s calls so far, as they took effect, each described as
  // "all_reduce(count 4, float, sum, outside a group)".
  std::vector<std::string> Sequence(int rank) const;
  // What a host read of a GPU tensor does (`.item()`, a copy to the CPU):
  // returns once every collective `rank`'s compute stream was made to wait
  // for (ComputeWaits) has completed, or once the rank's runtime was aborted
  // or failed (an aborted NCCL releases the streams).
  void SynchronizeCompute(int rank);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_FAKE_NCCL_RUNTIME_H_
