#include "distributed/mpi/mpi_communicator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/log_line.h"
#include "distributed/backoff.h"
#include "distributed/collective_log.h"
#include "distributed/completed_work.h"
#include "distributed/mpi/blocking_watchdog.h"
#include "distributed/mpi/roll_call.h"

namespace micon {
namespace {

absl::StatusOr<MPI_Datatype> MpiType(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return MPI_FLOAT;
    case at::kDouble:
      return MPI_DOUBLE;
    case at::kLong:
      return MPI_INT64_T;
    case at::kInt:
      return MPI_INT32_T;
    case at::kByte:
      return MPI_UINT8_T;
    case at::kBool:
      return MPI_C_BOOL;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("the MPI backend does not reduce ",
                       c10::toString(t.scalar_type()), " tensors"));
  }
}

MPI_Op MpiOp(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMax:
      return MPI_MAX;
    case ReduceOp::kMin:
      return MPI_MIN;
    default:
      return MPI_SUM;  // kAvg divides after the sum
  }
}

std::string MpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

// All-reduces up to this size block inside the call, watched by a
// BlockingWatchdog: latency, not bandwidth, is their cost, and a blocking
// MPI_Allreduce has half of MPI_Iallreduce's (docs/PERFORMANCE.md). Larger
// ones stay non-blocking, so that the gradient buckets launched during
// backward do not hold it up.
constexpr int64_t kBlockingAllReduceBytes = 64 << 10;

// What a rank says of a collective that passed its limit; rank 0's roll call
// names the ranks that never arrived (roll_call.h).
std::string StallMessage(const CollectiveLog& log, RollCall& roll_call,
                         uint64_t seq, std::chrono::milliseconds limit) {
  const auto grace = std::clamp(limit / 4, std::chrono::milliseconds(1000),
                                std::chrono::milliseconds(10000));
  return log.TimeoutMessage(
      seq, limit.count() / 1000.0,
      absl::StrCat("a peer rank is dead, stuck or called a different "
                   "collective; ",
                   roll_call.Take(seq, grace)));
}

// A pending nonblocking collective. Keeps its tensors alive until it completes.
// Wait() polls it for at most `limit`, the operation's own timeout or the
// communicator's (communicator.h's rule).
class MpiWork final : public Work {
 public:
  MpiWork(MPI_Request request, std::vector<at::Tensor> keep_alive,
          std::function<void()> finish, CollectiveLog* log, RollCall* roll_call,
          uint64_t seq, std::chrono::milliseconds limit)
      : request_(request),
        keep_alive_(std::move(keep_alive)),
        finish_(std::move(finish)),
        log_(log),
        roll_call_(roll_call),
        seq_(seq),
        limit_(limit) {}

  ~MpiWork() override {
    // An unfinished collective may still write into our buffers, and MPI
    // forbids freeing or cancelling its request. This only happens on error
    // paths, where the job is aborting: keep the buffers alive for good rather
    // than let MPI write into freed memory.
    if (!done_) new std::vector<at::Tensor>(std::move(keep_alive_));
  }

  absl::Status Wait() override {
    if (done_ || !status_.ok()) return status_;  // finished, or timed out
    const auto deadline = std::chrono::steady_clock::now() + limit_;
    // Open MPI progresses a non-blocking collective only inside MPI_Test.
    Backoff backoff;
    while (true) {
      int flag = 0;
      const int rc = MPI_Test(&request_, &flag, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS) {
        done_ = true;
        status_ = absl::InternalError(
            absl::StrCat(log_->Describe(seq_), ": ", MpiError(rc)));
        return status_;
      }
      if (flag) {
        done_ = true;
        if (finish_) finish_();
        log_->Complete(seq_);
        return status_ = absl::OkStatus();
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return status_ = absl::DeadlineExceededError(
                   StallMessage(*log_, *roll_call_, seq_, limit_));
      }
      backoff.Pause();
    }
  }

  bool IsCompleted() override {
    if (!done_) {
      int flag = 0;
      MPI_Test(&request_, &flag, MPI_STATUS_IGNORE);
      if (flag) {
        done_ = true;
        if (finish_) finish_();
        log_->Complete(seq_);
      }
    }
    return done_;
  }

 private:
  MPI_Request request_;
  std::vector<at::Tensor> keep_alive_;
  std::function<void()> finish_;
  CollectiveLog* log_;
  RollCall* roll_call_;
  uint64_t seq_;
  std::chrono::milliseconds limit_;
  bool done_ = false;
  absl::Status status_;
};

class MpiCommunicator final : public Communicator {
 public:
  // `blocking_small`: small all-reduces block inside the call (MPI must give
  // MPI_THREAD_MULTIPLE, for the watchdog's roll call and abort).
  MpiCommunicator(MPI_Comm comm, MPI_Comm roll_call_comm, int rank, int world,
                  CommunicatorOptions options, bool blocking_small)
      : comm_(comm),
        rank_(rank),
        world_(world),
        options_(options),
        log_(rank),
        roll_call_(roll_call_comm, rank, world) {
    if (blocking_small) {
      watchdog_ = std::make_unique<BlockingWatchdog>(
          [this](uint64_t seq, std::chrono::milliseconds limit) {
            Expired(seq, limit);
          });
    }
  }
  ~MpiCommunicator() override {
    watchdog_.reset();  // its thread may use the communicators freed below
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  const char* backend() const override { return "mpi"; }
  std::chrono::milliseconds default_timeout() const override {
    return options_.timeout;
  }

  std::shared_ptr<Work> AllReduce(at::Tensor& tensor,
                                  const AllReduceOptions& o) override {
    MPI_Datatype type;
    if (auto s = Check(tensor, "all_reduce", &type); !s.ok())
      return Completed(s);
    const uint64_t seq = log_.Begin("all_reduce", tensor.nbytes());
    std::function<void()> finish;
    if (o.op == ReduceOp::kAvg) {
      at::Tensor t = tensor;
      const int world = world_;
      finish = [t, world]() mutable {
        if (t.is_floating_point())
          t.div_(world);
        else
          t.copy_(t.div(world, "floor"));
      };
    }
    if (watchdog_ && tensor.nbytes() <= kBlockingAllReduceBytes) {
      watchdog_->Arm(seq, OperationLimit(o.timeout, *this));
      const int rc = MPI_Allreduce(MPI_IN_PLACE, tensor.data_ptr(),
                                   Count(tensor), type, MpiOp(o.op), comm_);
      watchdog_->Disarm();
      if (rc != MPI_SUCCESS) return Completed(Failed(seq, rc));
      if (finish) finish();
      log_.Complete(seq);
      return Completed(absl::OkStatus());
    }
    MPI_Request request;
    const int rc =
        MPI_Iallreduce(MPI_IN_PLACE, tensor.data_ptr(), Count(tensor), type,
                       MpiOp(o.op), comm_, &request);
    return Launch(rc, seq, o.timeout, request, {tensor}, std::move(finish));
  }

  std::shared_ptr<Work> AllGather(const at::Tensor& input, at::Tensor& output,
                                  const AllGatherOptions& o) override {
    MPI_Datatype type;
    if (auto s = Check(input, "all_gather", &type); !s.ok())
      return Completed(s);
    if (auto s = Check(output, "all_gather", &type); !s.ok())
      return Completed(s);
    if (output.numel() != input.numel() * world_) {
      return Completed(absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": all_gather output has ", output.numel(),
          " elements, expected ", input.numel() * world_)));
    }
    const uint64_t seq = log_.Begin("all_gather", input.nbytes());
    MPI_Request request;
    const int rc =
        MPI_Iallgather(input.data_ptr(), Count(input), type, output.data_ptr(),
                       Count(input), type, comm_, &request);
    return Launch(rc, seq, o.timeout, request, {input, output}, nullptr);
  }

  std::shared_ptr<Work> AllGatherV(const at::Tensor& input, at::Tensor& output,
                                   const std::vector<int64_t>& counts,
                                   const AllGatherOptions& o) override {
    MPI_Datatype type;
    std::vector<int> elements, displacements;
    if (auto s = CheckV(output, input, counts, "all_gather_v", &type, &elements,
                        &displacements);
        !s.ok()) {
      return Completed(s);
    }
    const uint64_t seq = log_.Begin("all_gather_v", input.nbytes());
    MPI_Request request;
    const int rc = MPI_Iallgatherv(input.data_ptr(), Count(input), type,
                                   output.data_ptr(), elements.data(),
                                   displacements.data(), type, comm_, &request);
    return Launch(rc, seq, o.timeout, request, {input, output}, nullptr);
  }

  std::shared_ptr<Work> ReduceScatterV(const at::Tensor& input,
                                       at::Tensor& output,
                                       const std::vector<int64_t>& counts,
                                       const ReduceScatterOptions& o) override {
    MPI_Datatype type;
    std::vector<int> elements, displacements;
    if (auto s = CheckV(input, output, counts, "reduce_scatter_v", &type,
                        &elements, &displacements);
        !s.ok()) {
      return Completed(s);
    }
    const uint64_t seq = log_.Begin("reduce_scatter_v", input.nbytes());
    MPI_Request request;
    const int rc = MPI_Ireduce_scatter(input.data_ptr(), output.data_ptr(),
                                       elements.data(), type, MpiOp(o.op),
                                       comm_, &request);
    std::function<void()> finish;
    if (o.op == ReduceOp::kAvg) {
      at::Tensor t = output;
      const int world = world_;
      finish = [t, world]() mutable { t.div_(world); };
    }
    return Launch(rc, seq, o.timeout, request, {input, output},
                  std::move(finish));
  }

  std::shared_ptr<Work> Broadcast(at::Tensor& tensor,
                                  const BroadcastOptions& o) override {
    MPI_Datatype type;
    if (auto s = Check(tensor, "broadcast", &type); !s.ok())
      return Completed(s);
    if (o.root < 0 || o.root >= world_) {
      return Completed(
          absl::InvalidArgumentError(absl::StrCat("broadcast root ", o.root)));
    }
    const uint64_t seq = log_.Begin("broadcast", tensor.nbytes());
    MPI_Request request;
    const int rc = MPI_Ibcast(tensor.data_ptr(), Count(tensor), type, o.root,
                              comm_, &request);
    return Launch(rc, seq, o.timeout, request, {tensor}, nullptr);
  }

  std::shared_ptr<Work> Barrier(const BarrierOptions& o) override {
    const uint64_t seq = log_.Begin("barrier", 0);
    MPI_Request request;
    const int rc = MPI_Ibarrier(comm_, &request);
    return Launch(rc, seq, o.timeout, request, {}, nullptr);
  }

  void Abort(const std::string& reason) override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Abort(comm_, 1);
  }

 private:
  static int Count(const at::Tensor& t) { return static_cast<int>(t.numel()); }

  absl::Status Check(const at::Tensor& t, const char* op,
                     MPI_Datatype* type) const {
    if (!t.defined() || !t.is_contiguous() || !t.device().is_cpu()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": ", op, " needs a contiguous CPU tensor"));
    }
    if (t.numel() > std::numeric_limits<int>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank ", rank_, ": ", op, " of ", t.numel(),
                       " elements exceeds MPI's int count"));
    }
    absl::StatusOr<MPI_Datatype> mpi_type = MpiType(t);
    if (!mpi_type.ok())
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": ", op, ": ", mpi_type.status().message()));
    *type = *mpi_type;
    return absl::OkStatus();
  }

  // `whole` has sum(counts) rows, `local` counts[rank]; fills per-rank element
  // counts/offsets.
  absl::Status CheckV(const at::Tensor& whole, const at::Tensor& local,
                      const std::vector<int64_t>& counts, const char* op,
                      MPI_Datatype* type, std::vector<int>* elements,
                      std::vector<int>* displacements) const {
    if (auto s = Check(whole, op, type); !s.ok()) return s;
    if (auto s = Check(local, op, type); !s.ok()) return s;
    const int64_t total =
        std::accumulate(counts.begin(), counts.end(), int64_t{0});
    if (static_cast<int>(counts.size()) != world_ || whole.dim() == 0 ||
        local.dim() == 0 || whole.size(0) != total ||
        local.size(0) != counts[rank_]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": ", op, " row counts [", absl::StrJoin(counts, ","),
          "] do not match the local and total rows"));
    }
    const int64_t row = total == 0 ? 0 : whole.numel() / total;
    int64_t offset = 0;
    for (int64_t c : counts) {
      elements->push_back(static_cast<int>(c * row));
      displacements->push_back(static_cast<int>(offset));
      offset += c * row;
    }
    return absl::OkStatus();
  }

  std::shared_ptr<Work> Launch(int rc, uint64_t seq,
                               std::chrono::milliseconds timeout,
                               MPI_Request request,
                               std::vector<at::Tensor> keep,
                               std::function<void()> finish) {
    if (rc != MPI_SUCCESS) return Completed(Failed(seq, rc));
    return std::make_shared<MpiWork>(request, std::move(keep),
                                     std::move(finish), &log_, &roll_call_, seq,
                                     OperationLimit(timeout, *this));
  }

  absl::Status Failed(uint64_t seq, int rc) const {
    return absl::InternalError(absl::StrCat(
        "rank ", rank_, ": ", log_.Describe(seq), ": ", MpiError(rc)));
  }

  // A blocking all-reduce passed its limit (on the watchdog's thread). The
  // call cannot be cancelled, so no Status can reach its caller: report as
  // main reports an error, then end the job as main's Abort would.
  void Expired(uint64_t seq, std::chrono::milliseconds limit) {
    WriteLogLine("error", StallMessage(log_, roll_call_, seq, limit), rank_,
                 world_);
    MPI_Abort(comm_, 1);
  }

  MPI_Comm comm_;
  const int rank_, world_;
  const CommunicatorOptions options_;
  CollectiveLog log_;
  RollCall roll_call_;
  std::unique_ptr<BlockingWatchdog> watchdog_;  // last: uses all of the above
};

}  // namespace

MpiEnvironment::MpiEnvironment(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) {
    MPI_Query_thread(&thread_level_);
    return;
  }
  // MULTIPLE for the blocking watchdog's roll call and abort, which run while
  // the caller's thread is inside MPI_Allreduce; micon's own calls are still
  // issued from one thread at a time.
  MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &thread_level_);
  owns_ = true;
}

MpiEnvironment::~MpiEnvironment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) MPI_Finalize();
}

absl::StatusOr<std::unique_ptr<Communicator>> CreateMpiCommunicator(
    MPI_Comm comm, const CommunicatorOptions& options) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized)
    return absl::FailedPreconditionError(
        "MPI is not initialised (MpiEnvironment)");
  MPI_Comm dup, roll_call;
  int rc = MPI_Comm_dup(comm, &dup);
  if (rc != MPI_SUCCESS)
    return absl::InternalError("MPI_Comm_dup: " + MpiError(rc));
  rc = MPI_Comm_dup(comm, &roll_call);
  if (rc != MPI_SUCCESS) {
    MPI_Comm_free(&dup);
    return absl::InternalError("MPI_Comm_dup: " + MpiError(rc));
  }
  MPI_Comm_set_errhandler(roll_call, MPI_ERRORS_RETURN);
  // Errors come back as return codes (reported through Status), not as an abort
  // inside MPI.
  MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  int rank = 0, world = 0, thread_level = MPI_THREAD_SINGLE;
  MPI_Comm_rank(dup, &rank);
  MPI_Comm_size(dup, &world);
  MPI_Query_thread(&thread_level);
  return std::unique_ptr<Communicator>(
      new MpiCommunicator(dup, roll_call, rank, world, options,
                          thread_level == MPI_THREAD_MULTIPLE));
}

}  // namespace micon
