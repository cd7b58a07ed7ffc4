// communicator.h: the one collective-communication interface of micon, and its
// options.
//
// Backends (threads, MPI, NCCL) live in sibling folders and are made only by
// the factory in communicator_factory.h. Every collective:
//  - must be called by every rank of the communicator, in the same order, with
//  tensors of the
//    same dtype and (except for the V variants) the same shape;
//  - takes an options struct and returns a Work handle; Wait(timeout) gives the
//  outcome;
//  - carries a sequence number; an operation that does not complete within its
//  timeout fails
//    with DeadlineExceeded naming the operation, its sequence number, the
//    recent operations and, where the backend can know it, the ranks that did
//    not arrive.
// Tensors must be contiguous; thread and MPI backends take CPU tensors, NCCL
// CUDA tensors.
//
//   auto work = comm.AllReduce(grads, {ReduceOp::kSum});
//   MICON_RETURN_IF_ERROR(work->Wait(std::chrono::seconds(60)));
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

// A timeout of zero means the communicator's default
// (CommunicatorOptions::timeout).
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
  // Blocks until the operation completes or `timeout` passes
  // (DeadlineExceeded).
  virtual absl::Status Wait(std::chrono::milliseconds timeout) = 0;
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

  // Ends every pending operation and makes later ones fail; used on the error
  // path so that no rank waits forever. Never throws.
  virtual void Abort(const std::string& reason) = 0;

  // The default timeout of this communicator.
  virtual std::chrono::milliseconds default_timeout() const = 0;
};

// Runs a collective and waits for it with its own timeout (or the
// communicator's default).
absl::Status WaitFor(
    const std::shared_ptr<Work>& work, const Communicator& comm,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

// The per-rank row counts of an uneven gather: every rank's `local_rows`.
absl::Status GatherRowCounts(Communicator& comm, int64_t local_rows,
                             std::vector<int64_t>* counts);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_COMMUNICATOR_H_
