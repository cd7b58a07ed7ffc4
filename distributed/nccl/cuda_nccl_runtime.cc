#include "distributed/nccl/cuda_nccl_runtime.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "distributed/nccl/cuda_handles.h"

namespace micon {
namespace {

static_assert(sizeof(ncclUniqueId) == sizeof(NcclUniqueId::bytes),
              "NcclUniqueId must hold NCCL's unique id");

ncclDataType_t NcclTypeOf(NcclType type) {
  switch (type) {
    case NcclType::kFloat:
      return ncclFloat32;
    case NcclType::kDouble:
      return ncclFloat64;
    case NcclType::kHalf:
      return ncclFloat16;
    case NcclType::kBFloat16:
      return ncclBfloat16;
    case NcclType::kInt64:
      return ncclInt64;
    case NcclType::kInt32:
      return ncclInt32;
    case NcclType::kUint8:
      return ncclUint8;
  }
  return ncclFloat32;
}

ncclRedOp_t NcclOpOf(NcclOp op) {
  switch (op) {
    case NcclOp::kSum:
      return ncclSum;
    case NcclOp::kMax:
      return ncclMax;
    case NcclOp::kMin:
      return ncclMin;
    case NcclOp::kAvg:
      return ncclAvg;
  }
  return ncclSum;
}

class CudaNcclRuntime final : public NcclRuntime {
 public:
  CudaNcclRuntime(int device, CudaStream stream,
                  std::function<void*()> compute_stream)
      : device_(device),
        stream_(std::move(stream)),
        compute_stream_(std::move(compute_stream)) {}

  // The events and the stream are freed after this body, on this device.
  ~CudaNcclRuntime() override {
    cudaSetDevice(device_);
    if (comm_ != nullptr) {
      // A communicator in error (or mid-initialisation) cannot be destroyed
      // cleanly: abort it.
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm_, &state);
      if (state == ncclSuccess) {
        ncclCommDestroy(comm_);
      } else {
        ncclCommAbort(comm_);
      }
    }
  }

  absl::StatusOr<NcclUniqueId> MakeUniqueId() override {
    ncclUniqueId id;
    if (ncclResult_t r = ncclGetUniqueId(&id); r != ncclSuccess) {
      return NcclError(r, "ncclGetUniqueId");
    }
    NcclUniqueId out;
    std::memcpy(out.bytes.data(), &id, sizeof(id));
    return out;
  }

  absl::Status StartInit(const NcclUniqueId& id, int world_size,
                         int rank) override {
    if (cudaError_t e = cudaSetDevice(device_); e != cudaSuccess) {
      return CudaError(e, "cudaSetDevice");
    }
    ncclUniqueId nccl_id;
    std::memcpy(&nccl_id, id.bytes.data(), sizeof(nccl_id));
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;  // CommState() polls; a hung peer cannot hang us
    const ncclResult_t r =
        ncclCommInitRankConfig(&comm_, world_size, nccl_id, rank, &config);
    if (r != ncclSuccess && r != ncclInProgress) {
      return NcclError(r, "ncclCommInitRankConfig");
    }
    return absl::OkStatus();
  }

  absl::Status CommState() override {
    if (comm_ == nullptr) {
      return absl::FailedPreconditionError("no NCCL communicator");
    }
    ncclResult_t state = ncclSuccess;
    if (ncclResult_t r = ncclCommGetAsyncError(comm_, &state);
        r != ncclSuccess) {
      return NcclError(r, "ncclCommGetAsyncError");
    }
    if (state == ncclSuccess) return absl::OkStatus();
    if (state == ncclInProgress) {
      return absl::UnavailableError("NCCL operation in progress");
    }
    return NcclError(state, "NCCL asynchronous error");
  }

  void Abort() override {
    if (comm_ == nullptr) return;
    cudaSetDevice(device_);
    ncclCommAbort(comm_);
    comm_ = nullptr;
  }

  absl::Status BindThread() override { return Device(); }

  absl::Status OrderAfterCompute() override {
    if (absl::Status s = Device(); !s.ok()) return s;
    if (!order_event_) {
      absl::StatusOr<CudaEvent> event = CreateEventWithoutTiming();
      if (!event.ok()) return event.status();
      order_event_ = *std::move(event);
    }
    if (cudaError_t e = cudaEventRecord(order_event_.get(), Compute());
        e != cudaSuccess) {
      return CudaError(e, "cudaEventRecord (compute stream)");
    }
    if (cudaError_t e =
            cudaStreamWaitEvent(stream_.get(), order_event_.get(), 0);
        e != cudaSuccess) {
      return CudaError(e, "cudaStreamWaitEvent (communication stream)");
    }
    return absl::OkStatus();
  }

  absl::Status GroupStart() override {
    return Enqueued(ncclGroupStart(), "ncclGroupStart");
  }
  absl::Status GroupEnd() override {
    return Enqueued(ncclGroupEnd(), "ncclGroupEnd");
  }

  absl::Status AllReduce(const void* in, void* out, size_t count, NcclType type,
                         NcclOp op) override {
    return Enqueued(ncclAllReduce(in, out, count, NcclTypeOf(type),
                                  NcclOpOf(op), comm_, stream_.get()),
                    "ncclAllReduce");
  }
  absl::Status Broadcast(const void* in, void* out, size_t count, NcclType type,
                         int root) override {
    return Enqueued(ncclBroadcast(in, out, count, NcclTypeOf(type), root, comm_,
                                  stream_.get()),
                    "ncclBroadcast");
  }
  absl::Status Reduce(const void* in, void* out, size_t count, NcclType type,
                      NcclOp op, int root) override {
    return Enqueued(ncclReduce(in, out, count, NcclTypeOf(type), NcclOpOf(op),
                               root, comm_, stream_.get()),
                    "ncclReduce");
  }
  absl::Status AllGather(const void* in, void* out, size_t count,
                         NcclType type) override {
    return Enqueued(
        ncclAllGather(in, out, count, NcclTypeOf(type), comm_, stream_.get()),
        "ncclAllGather");
  }

  absl::StatusOr<NcclEvent> RecordEvent() override {
    if (absl::Status s = Device(); !s.ok()) return s;
    CudaEvent event;
    if (!free_events_.empty()) {
      event = std::move(free_events_.back());
      free_events_.pop_back();
    } else {
      absl::StatusOr<CudaEvent> created = CreateEventWithoutTiming();
      if (!created.ok()) return created.status();
      event = *std::move(created);
    }
    if (cudaError_t e = cudaEventRecord(event.get(), stream_.get());
        e != cudaSuccess) {
      free_events_.push_back(std::move(event));
      return CudaError(e, "cudaEventRecord (communication stream)");
    }
    const NcclEvent id{++next_event_};
    events_[id.id] = std::move(event);
    return id;
  }

  absl::StatusOr<bool> EventDone(NcclEvent event) override {
    const auto it = events_.find(event.id);
    if (it == events_.end()) {
      return absl::InvalidArgumentError("unknown NCCL event");
    }
    const cudaError_t e = cudaEventQuery(it->second.get());
    if (e == cudaSuccess) return true;
    if (e == cudaErrorNotReady) return false;
    return CudaError(e, "cudaEventQuery");
  }

  absl::Status ComputeWaits(NcclEvent event) override {
    const auto it = events_.find(event.id);
    if (it == events_.end()) {
      return absl::InvalidArgumentError("unknown NCCL event");
    }
    if (cudaError_t e = cudaStreamWaitEvent(Compute(), it->second.get(), 0);
        e != cudaSuccess) {
      return CudaError(e, "cudaStreamWaitEvent (compute stream)");
    }
    return absl::OkStatus();
  }

  void ReleaseEvent(NcclEvent event) override {
    const auto it = events_.find(event.id);
    if (it == events_.end()) return;
    free_events_.push_back(std::move(it->second));
    events_.erase(it);
  }

  std::string StallDetail() override {
    return "NCCL cannot tell which ranks did not arrive; every rank's error "
           "names the last collective it issued";
  }

 private:
  absl::Status NcclError(ncclResult_t r, const char* call) const {
    const char* last = comm_ != nullptr ? ncclGetLastError(comm_) : nullptr;
    return absl::InternalError(absl::StrCat(
        call, ": ", ncclGetErrorString(r),
        last != nullptr && *last != '\0' ? absl::StrCat(" (", last, ")") : ""));
  }

  // In non-blocking mode a call may return ncclInProgress while NCCL
  // enqueues in the background; the next call must wait for that.
  absl::Status Enqueued(ncclResult_t r, const char* call) {
    if (comm_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(call, ": the NCCL communicator was aborted"));
    }
    if (r == ncclSuccess) return absl::OkStatus();
    if (r != ncclInProgress) return NcclError(r, call);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm_, &state);
      if (state == ncclSuccess) return absl::OkStatus();
      if (state != ncclInProgress) return NcclError(state, call);
      if (std::chrono::steady_clock::now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            call, ": NCCL still enqueueing after 60 s (ncclInProgress)"));
      }
      std::this_thread::yield();
    }
  }

  absl::Status Device() {
    if (cudaError_t e = cudaSetDevice(device_); e != cudaSuccess) {
      return CudaError(e, "cudaSetDevice");
    }
    return absl::OkStatus();
  }

  cudaStream_t Compute() const {
    return compute_stream_ ? static_cast<cudaStream_t>(compute_stream_())
                           : nullptr;
  }

  const int device_;
  CudaStream stream_;  // before the events: destroyed after them
  std::function<void*()> compute_stream_;
  ncclComm_t comm_ = nullptr;
  CudaEvent order_event_;
  std::map<uint64_t, CudaEvent> events_;
  std::vector<CudaEvent> free_events_;
  uint64_t next_event_ = 0;
};

}  // namespace

int NcclLibraryVersion() {
  int version = 0;
  ncclGetVersion(&version);
  return version;
}

int NcclHeaderVersion() { return NCCL_VERSION_CODE; }

absl::StatusOr<std::unique_ptr<NcclRuntime>> CreateCudaNcclRuntime(
    int device, std::function<void*()> compute_stream) {
  int gpus = 0;
  if (cudaError_t e = cudaGetDeviceCount(&gpus); e != cudaSuccess) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the NCCL backend needs a GPU, and the CUDA runtime says: ",
        CudaError(e, "cudaGetDeviceCount").message()));
  }
  if (device < 0 || device >= gpus) {
    return absl::FailedPreconditionError(
        absl::StrCat("the NCCL backend was asked for GPU ", device, " of ",
                     gpus, " visible"));
  }
  if (cudaError_t e = cudaSetDevice(device); e != cudaSuccess) {
    return CudaError(e, "cudaSetDevice");
  }
  absl::StatusOr<CudaStream> stream = CreateNonBlockingStream();
  if (!stream.ok()) return stream.status();
  return std::unique_ptr<NcclRuntime>(new CudaNcclRuntime(
      device, *std::move(stream), std::move(compute_stream)));
}

}  // namespace micon
