#include "distributed/thread/thread_communicator.h"

#include <ATen/ATen.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "distributed/collective_log.h"
#include "distributed/completed_work.h"

namespace micon {

struct ThreadWorld::State {
  State(int world_size, CommunicatorOptions opts)
      : world(world_size),
        options(opts),
        inputs(world_size),
        ops(world_size),
        present(world_size, false),
        joined(world_size, false) {}
  const int world;
  const CommunicatorOptions options;
  std::mutex mutex;
  std::condition_variable cv;
  uint64_t generation = 0;  // the sequence number being exchanged
  int arrived = 0;
  int departed = 0;
  std::vector<at::Tensor> inputs;
  std::vector<std::string> ops;
  std::vector<bool> present;
  std::vector<bool> joined;
  bool aborted = false;
  std::string abort_reason;
};

namespace {

using Compute =
    std::function<at::Tensor(const std::vector<at::Tensor>& inputs)>;

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(std::shared_ptr<ThreadWorld::State> state, int rank)
      : state_(std::move(state)), rank_(rank), log_(rank) {}

  int rank() const override { return rank_; }
  int world_size() const override { return state_->world; }
  const char* backend() const override { return "threads"; }
  std::chrono::milliseconds default_timeout() const override {
    return state_->options.timeout;
  }

  std::shared_ptr<Work> AllReduce(at::Tensor& tensor,
                                  const AllReduceOptions& o) override {
    if (auto bad = CheckTensor(tensor, "all_reduce"); !bad.ok())
      return Completed(bad);
    const ReduceOp op = o.op;
    const int world = state_->world;
    return Run("all_reduce", tensor, o.timeout, &tensor,
               [op, world](const auto& in) { return Reduce(in, op, world); });
  }

  std::shared_ptr<Work> AllGather(const at::Tensor& input, at::Tensor& output,
                                  const AllGatherOptions& o) override {
    if (auto bad = CheckTensor(input, "all_gather"); !bad.ok())
      return Completed(bad);
    if (output.dim() == 0 || output.size(0) != input.size(0) * state_->world) {
      return Completed(absl::InvalidArgumentError(
          absl::StrCat("rank ", rank_, ": all_gather output needs ",
                       input.size(0) * state_->world, " rows")));
    }
    return Run("all_gather", input, o.timeout, &output,
               [](const auto& in) { return at::cat(in); });
  }

  std::shared_ptr<Work> AllGatherV(const at::Tensor& input, at::Tensor& output,
                                   const std::vector<int64_t>& counts,
                                   const AllGatherOptions& o) override {
    if (auto bad = CheckV(input, output, counts, "all_gather_v"); !bad.ok()) {
      return Completed(bad);
    }
    return Run("all_gather_v", input, o.timeout, &output,
               [](const auto& in) { return at::cat(in); });
  }

  std::shared_ptr<Work> ReduceScatterV(const at::Tensor& input,
                                       at::Tensor& output,
                                       const std::vector<int64_t>& counts,
                                       const ReduceScatterOptions& o) override {
    if (auto bad = CheckV(output, input, counts, "reduce_scatter_v");
        !bad.ok()) {
      return Completed(bad);
    }
    const int64_t begin =
        std::accumulate(counts.begin(), counts.begin() + rank_, int64_t{0});
    const int64_t end = begin + counts[rank_];
    const ReduceOp op = o.op;
    const int world = state_->world;
    return Run("reduce_scatter_v", input, o.timeout, &output,
               [=](const auto& in) {
                 return Reduce(in, op, world).slice(0, begin, end);
               });
  }

  std::shared_ptr<Work> Broadcast(at::Tensor& tensor,
                                  const BroadcastOptions& o) override {
    if (auto bad = CheckTensor(tensor, "broadcast"); !bad.ok())
      return Completed(bad);
    if (o.root < 0 || o.root >= state_->world) {
      return Completed(
          absl::InvalidArgumentError(absl::StrCat("broadcast root ", o.root)));
    }
    const int root = o.root;
    return Run("broadcast", tensor, o.timeout, &tensor,
               [root](const auto& in) { return in[root].clone(); });
  }

  std::shared_ptr<Work> Barrier(const BarrierOptions& o) override {
    return Run("barrier", at::Tensor(), o.timeout, nullptr, nullptr);
  }

  void Abort(const std::string& reason) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->aborted) {
      state_->aborted = true;
      state_->abort_reason = absl::StrCat("rank ", rank_, " aborted: ", reason);
    }
    state_->cv.notify_all();
  }

 private:
  static at::Tensor Reduce(const std::vector<at::Tensor>& in, ReduceOp op,
                           int world) {
    at::Tensor acc = in[0].clone();
    for (size_t r = 1; r < in.size(); ++r) {
      switch (op) {
        case ReduceOp::kSum:
        case ReduceOp::kAvg:
          acc.add_(in[r]);
          break;
        case ReduceOp::kMax:
          acc = at::maximum(acc, in[r]);
          break;
        case ReduceOp::kMin:
          acc = at::minimum(acc, in[r]);
          break;
      }
    }
    if (op == ReduceOp::kAvg) {
      acc = acc.is_floating_point() ? acc.div_(world) : acc.div(world, "floor");
    }
    return acc;
  }

  // Any device at world 1 (one GPU trains on the thread backend: every
  // collective is then a copy on that device); CPU tensors across ranks.
  absl::Status CheckTensor(const at::Tensor& t, const char* op) const {
    if (!t.defined() || !t.is_contiguous()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank ", rank_, ": ", op, " needs a contiguous tensor"));
    }
    if (state_->world > 1 && !t.device().is_cpu()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": ", op, " across ", state_->world,
          " thread ranks needs CPU tensors, got one on ", t.device().str(),
          " (device tensors are accepted at world 1)"));
    }
    return absl::OkStatus();
  }

  // `local` has counts[rank] rows and `whole` sum(counts) rows.
  absl::Status CheckV(const at::Tensor& local, const at::Tensor& whole,
                      const std::vector<int64_t>& counts,
                      const char* op) const {
    if (absl::Status s = CheckTensor(local, op); !s.ok()) return s;
    if (absl::Status s = CheckTensor(whole, op); !s.ok()) return s;
    const int64_t total =
        std::accumulate(counts.begin(), counts.end(), int64_t{0});
    if (static_cast<int>(counts.size()) != state_->world || local.dim() == 0 ||
        local.size(0) != counts[rank_] || whole.dim() == 0 ||
        whole.size(0) != total) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": ", op, " row counts [", absl::StrJoin(counts, ","),
          "] do not match the local (", local.dim() ? local.size(0) : -1,
          ") and total (", whole.dim() ? whole.size(0) : -1, ") rows"));
    }
    return absl::OkStatus();
  }

  std::shared_ptr<Work> Run(const char* op, const at::Tensor& input,
                            std::chrono::milliseconds timeout,
                            at::Tensor* output, const Compute& compute) {
    const auto limit = OperationLimit(timeout, *this);
    const uint64_t seq = log_.Begin(op, input.defined() ? input.nbytes() : 0);
    at::Tensor result;
    absl::Status status = Rendezvous(op, seq, input, limit, compute, &result);
    if (status.ok() && output != nullptr) output->copy_(result);
    if (status.ok()) log_.Complete(seq);
    return Completed(std::move(status));
  }

  absl::Status Failure(uint64_t seq, double seconds,
                       const std::string& detail) {
    return absl::DeadlineExceededError(
        log_.TimeoutMessage(seq, seconds, detail));
  }

  absl::Status Rendezvous(const char* op, uint64_t seq, const at::Tensor& input,
                          std::chrono::milliseconds limit,
                          const Compute& compute, at::Tensor* result) {
    ThreadWorld::State& s = *state_;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const double seconds = limit.count() / 1000.0;
    std::unique_lock<std::mutex> lock(s.mutex);
    auto aborted = [&] {
      return absl::AbortedError(absl::StrCat("rank ", rank_, ": ",
                                             log_.Describe(seq),
                                             " cancelled: ", s.abort_reason));
    };
    // Wait for the previous exchange to be left by every rank.
    if (!s.cv.wait_until(lock, deadline,
                         [&] { return s.aborted || s.generation == seq; })) {
      return Failure(seq, seconds, "the previous collective never finished");
    }
    if (s.aborted) return aborted();
    s.inputs[rank_] = input;
    s.ops[rank_] = op;
    s.present[rank_] = true;
    ++s.arrived;
    s.cv.notify_all();
    if (!s.cv.wait_until(lock, deadline,
                         [&] { return s.aborted || s.arrived == s.world; })) {
      std::vector<int> missing;
      for (int r = 0; r < s.world; ++r) {
        if (!s.present[r]) missing.push_back(r);
      }
      const std::string detail = absl::StrCat("ranks that did not arrive: ",
                                              absl::StrJoin(missing, ", "));
      s.aborted = true;
      s.abort_reason = absl::StrCat("rank ", rank_, " timed out in ", op, " #",
                                    seq, "; ", detail);
      s.cv.notify_all();
      return Failure(seq, seconds, detail);
    }
    if (s.aborted) return aborted();
    for (int r = 0; r < s.world; ++r) {
      if (s.ops[r] != op) {
        s.aborted = true;
        s.abort_reason =
            absl::StrCat("collective mismatch at #", seq, ": rank ", rank_,
                         " called ", op, ", rank ", r, " called ", s.ops[r]);
        s.cv.notify_all();
        return absl::InternalError(s.abort_reason);
      }
    }
    const std::vector<at::Tensor> inputs = s.inputs;
    lock.unlock();
    if (compute) *result = compute(inputs);
    lock.lock();
    if (++s.departed == s.world) {
      s.arrived = s.departed = 0;
      std::fill(s.present.begin(), s.present.end(), false);
      std::fill(s.inputs.begin(), s.inputs.end(), at::Tensor());
      ++s.generation;
      s.cv.notify_all();
      return absl::OkStatus();
    }
    if (!s.cv.wait_until(lock, deadline,
                         [&] { return s.aborted || s.generation > seq; })) {
      return Failure(seq, seconds,
                     "other ranks did not finish reading the inputs");
    }
    return s.aborted && s.generation <= seq ? aborted() : absl::OkStatus();
  }

  std::shared_ptr<ThreadWorld::State> state_;
  const int rank_;
  CollectiveLog log_;
};

}  // namespace

ThreadWorld::ThreadWorld(int world_size, CommunicatorOptions options)
    : state_(std::make_shared<State>(world_size, options)) {}

ThreadWorld::~ThreadWorld() = default;

int ThreadWorld::world_size() const { return state_->world; }

std::unique_ptr<Communicator> ThreadWorld::Join(int rank) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  TORCH_CHECK(rank >= 0 && rank < state_->world, "rank ", rank,
              " outside world of ", state_->world);
  TORCH_CHECK(!state_->joined[rank], "rank ", rank, " joined twice");
  state_->joined[rank] = true;
  return std::make_unique<ThreadCommunicator>(state_, rank);
}

}  // namespace micon
