// nccl_runtime.h: the part of NCCL and the CUDA runtime that the NCCL
// communicator uses, as a small interface.
//
//   std::unique_ptr<NcclRuntime> rt = ...;   // CudaNcclRuntime, or a fake
//   MICON_RETURN_IF_ERROR(rt->StartInit(id, world, rank));   // non-blocking
//   while (absl::IsUnavailable(rt->CommState())) { ... }     // in progress
//   MICON_RETURN_IF_ERROR(rt->OrderAfterCompute());
//   MICON_RETURN_IF_ERROR(rt->AllReduce(buf, buf, n, NcclType::kFloat, NcclOp::kSum));
//   MICON_ASSIGN_OR_RETURN(NcclEvent done, rt->RecordEvent());
//   ... rt->EventDone(done) until true, checking rt->CommState() ...
//
// The communicator's logic (nccl_communicator.h: ordering, timeouts, async
// errors, uneven collectives, CPU tensors) is written against this interface
// and tested in CI against a fake that completes asynchronously on its own
// threads; the real implementation (cuda_nccl_runtime.h) is a thin layer over
// the two C APIs and needs no LibTorch CUDA library.
//
// The model is NCCL's: collectives are enqueued, in the same order on every
// rank, on a communication stream of the runtime's own; OrderAfterCompute()
// makes what is enqueued next wait for the work already on the compute
// stream, and an event recorded after a collective tells when it completed
// (ComputeWaits() makes later compute wait for it). Every call returns at
// once. Not thread-safe: one thread at a time calls it (the communicator
// serialises its threads' calls).
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_RUNTIME_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_RUNTIME_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace micon {

enum class NcclType {
  kFloat,
  kDouble,
  kHalf,
  kBFloat16,
  kInt64,
  kInt32,
  kUint8
};
enum class NcclOp { kSum, kMax, kMin, kAvg };

// What rank 0's ncclGetUniqueId makes and every rank needs to join (NCCL's
// NCCL_UNIQUE_ID_BYTES).
struct NcclUniqueId {
  std::array<char, 128> bytes{};
};

// An event recorded on the communication stream; released by ReleaseEvent.
struct NcclEvent {
  uint64_t id = 0;
};

class NcclRuntime {
 public:
  virtual ~NcclRuntime() = default;

  // Rank 0 makes the id the others receive (over MPI in production).
  virtual absl::StatusOr<NcclUniqueId> MakeUniqueId() = 0;
  // Starts creating this rank's communicator without blocking.
  virtual absl::Status StartInit(const NcclUniqueId& id, int world_size,
                                 int rank) = 0;
  // The communicator's state: OK when ready, Unavailable while an
  // initialisation (or an abort) is in progress, any other error when it
  // failed (ncclCommGetAsyncError): an error here is final.
  virtual absl::Status CommState() = 0;
  // Ends every pending operation (ncclCommAbort). Never throws; later calls
  // fail.
  virtual void Abort() = 0;
  // Called first on a thread other than the creator's that calls the
  // runtime (the watchdog): binds it to the runtime's GPU, so that its CUDA
  // calls do not create a context on GPU 0 of a node of several.
  virtual absl::Status BindThread() = 0;

  // What is enqueued next waits for the compute stream's work so far.
  virtual absl::Status OrderAfterCompute() = 0;
  // Operations between GroupStart and GroupEnd are launched together (the
  // per-rank broadcasts of an uneven all-gather, say).
  virtual absl::Status GroupStart() = 0;
  virtual absl::Status GroupEnd() = 0;
  // Counts are elements. `in` may equal `out`.
  virtual absl::Status AllReduce(const void* in, void* out, size_t count,
                                 NcclType type, NcclOp op) = 0;
  virtual absl::Status Broadcast(const void* in, void* out, size_t count,
                                 NcclType type, int root) = 0;
  // `out` is used on `root` only.
  virtual absl::Status Reduce(const void* in, void* out, size_t count,
                              NcclType type, NcclOp op, int root) = 0;
  // `out` holds world_size x `count` elements, in rank order.
  virtual absl::Status AllGather(const void* in, void* out, size_t count,
                                 NcclType type) = 0;

  // An event after everything enqueued so far on the communication stream.
  virtual absl::StatusOr<NcclEvent> RecordEvent() = 0;
  virtual absl::StatusOr<bool> EventDone(NcclEvent event) = 0;
  // Later compute-stream work waits for `event` (the outputs are ready for
  // it without blocking the host).
  virtual absl::Status ComputeWaits(NcclEvent event) = 0;
  virtual void ReleaseEvent(NcclEvent event) = 0;

  // What the runtime can tell about an operation that did not complete in
  // time, for the error message (the fake knows the ranks that never
  // arrived; NCCL itself cannot tell).
  virtual std::string StallDetail() = 0;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_RUNTIME_H_
