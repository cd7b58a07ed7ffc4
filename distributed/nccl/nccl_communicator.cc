#include "distributed/nccl/nccl_communicator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "distributed/backoff.h"
#include "distributed/completed_work.h"
#include "distributed/nccl/nccl_init.h"
#include "distributed/nccl/nccl_state.h"
#include "distributed/nccl/nccl_watchdog.h"
#include "distributed/nccl/nccl_work.h"

namespace micon {
namespace {

absl::StatusOr<NcclType> TypeOf(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return NcclType::kFloat;
    case at::kDouble:
      return NcclType::kDouble;
    case at::kHalf:
      return NcclType::kHalf;
    case at::kBFloat16:
      return NcclType::kBFloat16;
    case at::kLong:
      return NcclType::kInt64;
    case at::kInt:
      return NcclType::kInt32;
    case at::kByte:
    case at::kBool:
      return NcclType::kUint8;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("the NCCL backend does not reduce ",
                       c10::toString(t.scalar_type()), " tensors"));
  }
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(std::shared_ptr<NcclState> state,
                   std::chrono::microseconds watchdog_period)
      : state_(std::move(state)), watchdog_(state_, watchdog_period) {}

  int rank() const override { return state_->rank; }
  int world_size() const override { return state_->world; }
  const char* backend() const override { return "nccl"; }
  std::chrono::milliseconds default_timeout() const override {
    return state_->options.timeout;
  }

  std::shared_ptr<Work> AllReduce(at::Tensor& tensor,
                                  const AllReduceOptions& o) override {
    if (OnCpu({tensor})) {
      return ViaCpu("all_reduce",
                    [&](Communicator& c) { return c.AllReduce(tensor, o); });
    }
    auto type = Check({tensor}, "all_reduce");
    if (!type.ok()) return Completed(type.status());
    // NCCL averages floating types itself; integers are summed, then
    // divided (rounding down) once the sum is there, as the MPI backend does.
    const bool integer_avg =
        o.op == ReduceOp::kAvg && !tensor.is_floating_point();
    std::function<void()> finish;
    if (integer_avg) {
      at::Tensor t = tensor;
      const int world = state_->world;
      finish = [t, world]() mutable { t.copy_(t.div(world, "floor")); };
    }
    const NcclOp op = integer_avg ? NcclOp::kSum : OpOf(o.op);
    return Launch("all_reduce", tensor.nbytes(), o.timeout, {tensor},
                  std::move(finish), [&](NcclRuntime& rt) {
                    return rt.AllReduce(tensor.data_ptr(), tensor.data_ptr(),
                                        Count(tensor), *type, op);
                  });
  }

  std::shared_ptr<Work> AllGather(const at::Tensor& input, at::Tensor& output,
                                  const AllGatherOptions& o) override {
    if (OnCpu({input, output})) {
      return ViaCpu("all_gather", [&](Communicator& c) {
        return c.AllGather(input, output, o);
      });
    }
    auto type = Check({input, output}, "all_gather");
    if (!type.ok()) return Completed(type.status());
    if (output.numel() != input.numel() * state_->world) {
      return Completed(absl::InvalidArgumentError(absl::StrCat(
          "rank ", state_->rank, ": all_gather output has ", output.numel(),
          " elements, expected ", input.numel() * state_->world)));
    }
    return Launch("all_gather", input.nbytes(), o.timeout, {input, output},
                  nullptr, [&](NcclRuntime& rt) {
                    return rt.AllGather(input.data_ptr(), output.data_ptr(),
                                        Count(input), *type);
                  });
  }

  std::shared_ptr<Work> AllGatherV(const at::Tensor& input, at::Tensor& output,
                                   const std::vector<int64_t>& counts,
                                   const AllGatherOptions& o) override {
    if (OnCpu({input, output})) {
      return ViaCpu("all_gather_v", [&](Communicator& c) {
        return c.AllGatherV(input, output, counts, o);
      });
    }
    std::vector<size_t> elements, offsets;
    auto type =
        CheckV(output, input, counts, "all_gather_v", &elements, &offsets);
    if (!type.ok()) return Completed(type.status());
    const int me = state_->rank;
    const size_t width = output.element_size();
    return Launch("all_gather_v", input.nbytes(), o.timeout, {input, output},
                  nullptr, [&](NcclRuntime& rt) -> absl::Status {
                    // Each rank's rows reach every rank as a broadcast from it.
                    if (absl::Status s = rt.GroupStart(); !s.ok()) return s;
                    for (int r = 0; r < state_->world; ++r) {
                      if (elements[r] == 0) continue;
                      char* out = static_cast<char*>(output.data_ptr()) +
                                  offsets[r] * width;
                      const absl::Status s =
                          rt.Broadcast(r == me ? input.data_ptr() : nullptr,
                                       out, elements[r], *type, r);
                      if (!s.ok()) return s;
                    }
                    return rt.GroupEnd();
                  });
  }

  std::shared_ptr<Work> ReduceScatterV(const at::Tensor& input,
                                       at::Tensor& output,
                                       const std::vector<int64_t>& counts,
                                       const ReduceScatterOptions& o) override {
    if (OnCpu({input, output})) {
      return ViaCpu("reduce_scatter_v", [&](Communicator& c) {
        return c.ReduceScatterV(input, output, counts, o);
      });
    }
    std::vector<size_t> elements, offsets;
    auto type =
        CheckV(input, output, counts, "reduce_scatter_v", &elements, &offsets);
    if (!type.ok()) return Completed(type.status());
    if (o.op == ReduceOp::kAvg && !input.is_floating_point()) {
      return Completed(absl::InvalidArgumentError(
          absl::StrCat("rank ", state_->rank,
                       ": reduce_scatter_v averages floating tensors only")));
    }
    const int me = state_->rank;
    const size_t width = input.element_size();
    const NcclOp op = OpOf(o.op);
    return Launch(
        "reduce_scatter_v", input.nbytes(), o.timeout, {input, output}, nullptr,
        [&](NcclRuntime& rt) -> absl::Status {
          // Rank r's rows are the reduction, rooted at r, of everyone's
          // slice r.
          if (absl::Status s = rt.GroupStart(); !s.ok()) return s;
          for (int r = 0; r < state_->world; ++r) {
            if (elements[r] == 0) continue;
            const char* in =
                static_cast<const char*>(input.data_ptr()) + offsets[r] * width;
            const absl::Status s =
                rt.Reduce(in, r == me ? output.data_ptr() : nullptr,
                          elements[r], *type, op, r);
            if (!s.ok()) return s;
          }
          return rt.GroupEnd();
        });
  }

  std::shared_ptr<Work> Broadcast(at::Tensor& tensor,
                                  const BroadcastOptions& o) override {
    if (OnCpu({tensor})) {
      return ViaCpu("broadcast",
                    [&](Communicator& c) { return c.Broadcast(tensor, o); });
    }
    auto type = Check({tensor}, "broadcast");
    if (!type.ok()) return Completed(type.status());
    if (o.root < 0 || o.root >= state_->world) {
      return Completed(
          absl::InvalidArgumentError(absl::StrCat("broadcast root ", o.root)));
    }
    return Launch("broadcast", tensor.nbytes(), o.timeout, {tensor}, nullptr,
                  [&](NcclRuntime& rt) {
                    return rt.Broadcast(tensor.data_ptr(), tensor.data_ptr(),
                                        Count(tensor), *type, o.root);
                  });
  }

  std::shared_ptr<Work> Barrier(const BarrierOptions& o) override {
    return ViaCpu("barrier", [&](Communicator& c) { return c.Barrier(o); });
  }

  absl::Status Synchronize() override {
    NcclState& s = *state_;
    Backoff backoff;
    while (true) {
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.SettleOutstanding();
        if (s.aborted) return s.AbortedBefore("synchronize");
        if (s.outstanding.empty()) break;
      }
      backoff.Pause();
    }
    return s.cpu->Synchronize();
  }

  void Abort(const std::string& reason) override {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->AbortNccl(reason);
    }
    state_->cpu->Abort(reason);
  }

 private:
  // `call` on the CPU communicator, unless NCCL was aborted: then CPU
  // operations fail too, so that a step's statistics and votes do not go on
  // as if the GPU's collectives had completed.
  template <typename Call>
  std::shared_ptr<Work> ViaCpu(const char* op, Call call) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->aborted) return Completed(state_->AbortedBefore(op));
    }
    return call(*state_->cpu);
  }

  static size_t Count(const at::Tensor& t) {
    return static_cast<size_t>(t.numel());
  }

  static NcclOp OpOf(ReduceOp op) {
    switch (op) {
      case ReduceOp::kSum:
        return NcclOp::kSum;
      case ReduceOp::kAvg:
        return NcclOp::kAvg;
      case ReduceOp::kMax:
        return NcclOp::kMax;
      case ReduceOp::kMin:
        return NcclOp::kMin;
    }
    return NcclOp::kSum;
  }

  // CPU tensors take the CPU communicator when the NCCL device is not the
  // CPU itself (a fake runtime in tests may own CPU memory).
  bool OnCpu(std::initializer_list<at::Tensor> tensors) const {
    if (state_->device.is_cpu()) return false;
    return std::all_of(tensors.begin(), tensors.end(), [](const at::Tensor& t) {
      return t.defined() && t.device().is_cpu();
    });
  }

  absl::StatusOr<NcclType> Check(std::initializer_list<at::Tensor> tensors,
                                 const char* op) const {
    absl::StatusOr<NcclType> type = absl::InvalidArgumentError("no tensor");
    for (const at::Tensor& t : tensors) {
      if (!t.defined() || !t.is_contiguous()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rank ", state_->rank, ": ", op, " needs contiguous tensors"));
      }
      if (t.device() != state_->device) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rank ", state_->rank, ": ", op, " takes tensors on ",
            state_->device.str(), " (NCCL) or all on the CPU, got one on ",
            t.device().str()));
      }
      type = TypeOf(t);
      if (!type.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rank ", state_->rank, ": ", op, ": ", type.status().message()));
      }
    }
    return type;
  }

  // `whole` has sum(counts) rows and `local` counts[rank]; fills every rank's
  // element count and offset into `whole`.
  absl::StatusOr<NcclType> CheckV(const at::Tensor& whole,
                                  const at::Tensor& local,
                                  const std::vector<int64_t>& counts,
                                  const char* op, std::vector<size_t>* elements,
                                  std::vector<size_t>* offsets) const {
    absl::StatusOr<NcclType> type = Check({whole, local}, op);
    if (!type.ok()) return type;
    const int64_t total =
        std::accumulate(counts.begin(), counts.end(), int64_t{0});
    if (static_cast<int>(counts.size()) != state_->world || whole.dim() == 0 ||
        local.dim() == 0 || whole.size(0) != total ||
        local.size(0) != counts[state_->rank]) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank ", state_->rank, ": ", op, " row counts [",
                       absl::StrJoin(counts, ","),
                       "] do not match the local and total rows"));
    }
    const int64_t row = total == 0 ? 0 : whole.numel() / total;
    size_t offset = 0;
    for (int64_t c : counts) {
      elements->push_back(static_cast<size_t>(c * row));
      offsets->push_back(offset);
      offset += static_cast<size_t>(c * row);
    }
    return type;
  }

  std::shared_ptr<Work> Launch(
      const char* op, int64_t bytes, std::chrono::milliseconds timeout,
      std::vector<at::Tensor> keep, std::function<void()> finish,
      const std::function<absl::Status(NcclRuntime&)>& enqueue) {
    NcclState& s = *state_;
    std::lock_guard<std::mutex> lock(s.mutex);
    const uint64_t seq = s.log.Begin(op, bytes);
    if (s.aborted) return Completed(s.Cancelled(seq));
    absl::Status status = s.runtime->OrderAfterCompute();
    if (status.ok()) status = enqueue(*s.runtime);
    absl::StatusOr<NcclEvent> event = status.ok()
                                          ? s.runtime->RecordEvent()
                                          : absl::StatusOr<NcclEvent>(status);
    if (!event.ok()) {
      const absl::Status failed = absl::InternalError(
          absl::StrCat("rank ", s.rank, ": ", s.log.Describe(seq),
                       " could not be launched: ", event.status().message()));
      s.AbortNccl(std::string(failed.message()));
      return Completed(failed);
    }
    auto pending = std::make_shared<NcclPending>();
    pending->seq = seq;
    pending->event = *event;
    pending->limit = OperationLimit(timeout, *this);
    pending->deadline = std::chrono::steady_clock::now() + pending->limit;
    pending->keep = std::move(keep);
    pending->finish = std::move(finish);
    s.outstanding.push_back(pending);
    return std::make_shared<NcclWork>(state_, std::move(pending));
  }

  const std::shared_ptr<NcclState> state_;
  NcclWatchdog watchdog_;  // after state_: it watches it
};

}  // namespace

absl::StatusOr<std::unique_ptr<Communicator>> CreateNcclCommunicator(
    std::unique_ptr<NcclRuntime> runtime, std::unique_ptr<Communicator> cpu,
    c10::Device device, const CommunicatorOptions& options,
    const NcclCommunicatorOptions& nccl) {
  if (absl::Status joined = JoinNccl(*runtime, *cpu, options.timeout);
      !joined.ok()) {
    return joined;
  }
  const NcclWaits waits = nccl.waits.value_or(
      device.is_cpu() ? NcclWaits::kBlockHost : NcclWaits::kStreamOrdered);
  return std::unique_ptr<Communicator>(new NcclCommunicator(
      std::make_shared<NcclState>(std::move(runtime), std::move(cpu), device,
                                  options, waits),
      nccl.watchdog_period));
}

}  // namespace micon
