#include "distributed/bootstrap.h"

#include <mpi.h>

#include <array>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "distributed/gpu_assignment.h"
#include "distributed/mpi/mpi_communicator.h"
#include "distributed/thread/thread_communicator.h"
#include "micon/config.h"

#if MICON_HAVE_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>
#endif
#if MICON_HAVE_NCCL
#include "distributed/nccl/cuda_nccl_runtime.h"
#include "distributed/nccl/nccl_communicator.h"
#endif

namespace micon {
namespace {

// Binds the GPU of `local_rank` as this thread's current device; returns its
// index, or -1 without CUDA or GPUs.
int BindLocalGpu(int local_rank) {
#if MICON_HAVE_CUDA
  const int gpus = static_cast<int>(c10::cuda::device_count());
  if (gpus == 0) return -1;
  const int index = local_rank % gpus;
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(index));
  return index;
#else
  return -1;
#endif
}

// The PCI address of the GPU `device` (this process's index), which names
// one GPU the same way on every rank of a node, whatever each rank's
// CUDA_VISIBLE_DEVICES; empty without one.
std::string GpuPciAddress(int device) {
#if MICON_HAVE_CUDA
  if (device < 0) return "";
  const cudaDeviceProp* p = at::cuda::getDeviceProperties(device);
  return absl::StrCat(absl::Hex(p->pciDomainID, absl::kZeroPad4), ":",
                      absl::Hex(p->pciBusID, absl::kZeroPad2), ":",
                      absl::Hex(p->pciDeviceID, absl::kZeroPad2));
#else
  (void)device;
  return "";
#endif
}

// Every rank of this node, with the GPU it bound, gathered over `node`.
std::vector<RankGpu> NodeGpus(MPI_Comm node, int rank, int device) {
  constexpr int kWidth = 32;
  std::array<char, kWidth> mine{};
  const std::string pci = GpuPciAddress(device);
  pci.copy(mine.data(), kWidth - 1);
  int size = 1;
  MPI_Comm_size(node, &size);
  std::vector<char> addresses(static_cast<size_t>(kWidth) * size);
  std::vector<int> ranks(size);
  MPI_Allgather(mine.data(), kWidth, MPI_CHAR, addresses.data(), kWidth,
                MPI_CHAR, node);
  MPI_Allgather(&rank, 1, MPI_INT, ranks.data(), 1, MPI_INT, node);
  std::vector<RankGpu> out(size);
  for (int i = 0; i < size; ++i) {
    out[i].rank = ranks[i];
    out[i].gpu = std::string(&addresses[static_cast<size_t>(i) * kWidth]);
  }
  return out;
}

#if MICON_HAVE_NCCL
// NCCL on this rank's GPU, with MPI for CPU tensors and the unique id.
absl::StatusOr<std::unique_ptr<Communicator>> StartNccl(
    const DistributedContext& ctx, const CommunicatorOptions& options) {
  const int device = ctx.device_index >= 0 ? ctx.device_index : ctx.local_rank;
  std::function<void*()> compute_stream;
#if MICON_HAVE_CUDA
  compute_stream = [] {
    return static_cast<void*>(c10::cuda::getCurrentCUDAStream().stream());
  };
#endif
  absl::StatusOr<std::unique_ptr<NcclRuntime>> runtime =
      CreateCudaNcclRuntime(device, compute_stream);
  if (!runtime.ok()) return runtime.status();
#if MICON_HAVE_CUDA
  absl::StatusOr<std::unique_ptr<Communicator>> mpi =
      CreateMpiCommunicator(MPI_COMM_WORLD, options);
  if (!mpi.ok()) return mpi.status();
  return CreateNcclCommunicator(*std::move(runtime), *std::move(mpi),
                                c10::Device(c10::kCUDA, device), options);
#else
  return absl::FailedPreconditionError(
      "the NCCL backend reduces GPU tensors, but this micon's LibTorch has no "
      "CUDA: build against a CUDA LibTorch (docs/CLUSTER.md)");
#endif
}
#endif

}  // namespace

DistributedContext::DistributedContext() = default;
DistributedContext::~DistributedContext() {
  comm.reset();  // before MPI_Finalize in ~MpiEnvironment
}

absl::StatusOr<std::unique_ptr<DistributedContext>> Bootstrap(
    int* argc, char*** argv, const BootstrapOptions& options) {
  const Backend backend = options.backend;
  auto ctx = std::make_unique<DistributedContext>();
  if (backend == Backend::kThreads) {
    ctx->device_index = BindLocalGpu(0);
    ThreadWorld world(1, options.communicator);
    ctx->comm = world.Join(0);
    ctx->backend = "threads";
    return ctx;
  }
  ctx->mpi = std::make_unique<MpiEnvironment>(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &ctx->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ctx->world_size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, ctx->rank,
                      MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &ctx->local_rank);
  MPI_Comm_size(node, &ctx->local_size);
  ctx->device_index = BindLocalGpu(ctx->local_rank);
  // On every rank, whatever it will choose: a rank that sees no GPU must
  // still answer its node's gather.
  const std::vector<RankGpu> node_gpus =
      NodeGpus(node, ctx->rank, ctx->device_index);
  MPI_Comm_free(&node);

  const bool nccl = backend == Backend::kNccl ||
                    (backend == Backend::kAuto && MICON_HAVE_NCCL &&
                     MICON_HAVE_CUDA && ctx->device_index >= 0);
  if (nccl) {
#if MICON_HAVE_NCCL
    if (ctx->device_index >= 0) {
      const absl::Status assigned = CheckOneGpuPerRank(
          node_gpus, /*sharing_allowed=*/std::getenv("NCCL_HOSTID") != nullptr);
      if (!assigned.ok()) {
        return absl::Status(
            assigned.code(),
            absl::StrCat("rank ", ctx->rank, ": ", assigned.message()));
      }
    }
    absl::StatusOr<std::unique_ptr<Communicator>> comm =
        StartNccl(*ctx, options.communicator);
    if (!comm.ok()) {
      return absl::Status(
          comm.status().code(),
          absl::StrCat("rank ", ctx->rank, ": ", comm.status().message()));
    }
    ctx->comm = *std::move(comm);
    ctx->backend = "nccl";
    return ctx;
#else
    return absl::FailedPreconditionError(
        "this micon was built without NCCL (MICON_NCCL=OFF, or nccl.h, "
        "libnccl or the CUDA runtime not found); use --backend mpi");
#endif
  }
  absl::StatusOr<std::unique_ptr<Communicator>> comm =
      CreateMpiCommunicator(MPI_COMM_WORLD, options.communicator);
  if (!comm.ok()) {
    return absl::Status(
        comm.status().code(),
        absl::StrCat("rank ", ctx->rank, ": ", comm.status().message()));
  }
  ctx->comm = *std::move(comm);
  ctx->backend = "mpi";
  return ctx;
}

RuntimeVersions DistributedRuntimeVersions() {
  RuntimeVersions v;
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  if (length > 0 && text[length - 1] == '\n') --length;
  v.mpi.assign(text, static_cast<size_t>(length));
#if MICON_HAVE_NCCL
  v.nccl = true;
  v.nccl_library = NcclLibraryVersion();
  v.nccl_header = NcclHeaderVersion();
#endif
  return v;
}

}  // namespace micon
