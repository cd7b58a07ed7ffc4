// communicator.h: the one collective-communication interface of micon, and its
// options.
//
//   auto work = comm.AllReduce(grads, {ReduceOp::kSum});
//   MICON_RETURN_IF_ERROR(work->Wait());
//
// Backends (threads, MPI; NCCL to come) live in sibling folders, each its own
// CMake target, and are chosen by the one factory that picks a backend,
// Bootstrap() in bootstrap.h. Every collective:
//  - must be called by every rank of the communicator, in the same order, with
//    tensors of the same dtype and (except for the V variants) the same shape;
//  - takes an options struct and returns a Work handle whose Wait() gives the
//    outcome;
//  - carries a sequence number, named in its errors with the last few
//    operations and, where the backend can know them, the ranks that did not
//    arrive.
// Tensors must be contiguous; the thread and MPI backends take CPU tensors.
//
// Timeouts, one rule for every backend: an operation's limit is its options'
// `timeout` when that is positive, else the communicator's
// (CommunicatorOptions::timeout). No call blocks on one operation for longer
// than its limit. A backend whose collectives complete inside the call
// (threads) waits there and returns a finished Work; the others (MPI) return
// at once and wait in Work::Wait(). Either way an operation that has not
// completed within its limit fails with DeadlineExceeded, naming it. One
// exception: MPI's small all-reduces block inside MPI, which cannot be
// cancelled, so past their limit a watchdog reports them, naming them as
// that error would, and ends the job (mpi/mpi_communicator.h).
#ifndef MICON_DISTRIBUTED_COMMUNICATOR_H_
#define MICON_DISTRIBUTED_COMMUNICATOR_H_

#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace micon {

enum class ReduceOp { kSum, kAvg, kMax, kMin };
const char* ReduceOpName(ReduceOp op);

// A timeout of zero means the communicator's (see the timeout rule above).
struct AllReduceOptions {
  ReduceOp op = ReduceOp::kSum;
  std::chrono::milliseconds timeout{0};
};
struct AllGatherOptions {
  std::chrono::milliseconds timeout{0};
};
struct BroadcastOptions {
  int root = 0;
  std::chrono::milliseconds timeout{0};
};
struct ReduceScatterOptions {
  ReduceOp op = ReduceOp::kSum;
  std::chrono::milliseconds timeout{0};
};
struct BarrierOptions {
  std::chrono::milliseconds timeout{0};
};

struct CommunicatorOptions {
  std::chrono::milliseconds timeout = std::chrono::minutes(5);
};

// The outcome of one collective. Wait() may be called more than once; after
// success the output tensors hold the result.
class Work {
 public:
  virtual ~Work() = default;
  // Blocks until the operation completes, or fails with DeadlineExceeded
  // after the operation's limit (the timeout rule above).
  virtual absl::Status Wait() = 0;
  virtual bool IsCompleted() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual const char* backend() const = 0;

  // In place: every rank ends with op(tensor of every rank).
  virtual std::shared_ptr<Work> AllReduce(at::Tensor& tensor,
                                          const AllReduceOptions& options) = 0;
  // `output` [world * n, ...] receives every rank's `input` [n, ...] in rank
  // order.
  virtual std::shared_ptr<Work> AllGather(const at::Tensor& input,
                                          at::Tensor& output,
                                          const AllGatherOptions& options) = 0;
  // Uneven: rank r contributes row_counts[r] rows; `output` has sum(row_counts)
  // rows.
  virtual std::shared_ptr<Work> AllGatherV(
      const at::Tensor& input, at::Tensor& output,
      const std::vector<int64_t>& row_counts,
      const AllGatherOptions& options) = 0;
  // `input` has sum(row_counts) rows; rank r receives op over ranks of rows
  // [sum(row_counts[:r]), +row_counts[r]) in `output`.
  virtual std::shared_ptr<Work> ReduceScatterV(
      const at::Tensor& input, at::Tensor& output,
      const std::vector<int64_t>& row_counts,
      const ReduceScatterOptions& options) = 0;
  virtual std::shared_ptr<Work> Broadcast(at::Tensor& tensor,
                                          const BroadcastOptions& options) = 0;
  virtual std::shared_ptr<Work> Barrier(const BarrierOptions& options) = 0;

  // Returns once every operation issued so far has completed where it runs,
  // with the reason if one failed. A backend whose Wait() completes the
  // operation (threads, MPI) has nothing outstanding once its works were
  // waited for; NCCL's Wait() only orders the GPU's streams (nccl/).
  virtual absl::Status Synchronize() { return absl::OkStatus(); }

  // Ends every pending operation and makes later ones fail; used on the error
  // path so that no rank waits forever. Never throws.
  virtual void Abort(const std::string& reason) = 0;

  // The limit of operations whose options leave the timeout at zero.
  virtual std::chrono::milliseconds default_timeout() const = 0;
};

// The limit of an operation with option `requested` on `comm`.
inline std::chrono::milliseconds OperationLimit(
    std::chrono::milliseconds requested, const Communicator& comm) {
  return requested.count() > 0 ? requested : comm.default_timeout();
}

// The per-rank row counts of an uneven gather: every rank's `local_rows`.
absl::Status GatherRowCounts(Communicator& comm, int64_t local_rows,
                             std::vector<int64_t>* counts);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_COMMUNICATOR_H_
