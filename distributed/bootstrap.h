// bootstrap.h: the one place that starts the distributed runtime and picks a
// backend (the only factory of communicators outside tests).
//
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<DistributedContext> dist,
//                          Bootstrap(&argc, &argv, {Backend::kAuto}));
//   Communicator& comm = *dist->comm;
//
// Starts MPI (under mpirun or srun, or as a singleton for `micon train`
// alone), finds the local rank with MPI_Comm_split_type (ranks sharing a
// node), binds the GPU of the local rank (local rank modulo the visible GPUs)
// before any other CUDA or NCCL call, refuses NCCL where two ranks of a node
// would drive one GPU (gpu_assignment.h), and creates the communicator:
//   auto     NCCL when this build has it and a GPU is visible, else MPI
//   mpi      MPI collectives on CPU tensors
//   nccl     NCCL (CUDA builds only)
//   threads  world size 1 without MPI collectives (single-process runs, tests)
// The context is owned by main and dies before static destruction, so
// communicators are destroyed before MPI_Finalize and before CUDA tears down.
#ifndef MICON_DISTRIBUTED_BOOTSTRAP_H_
#define MICON_DISTRIBUTED_BOOTSTRAP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/enum_names.h"
#include "distributed/communicator.h"

namespace micon {

class MpiEnvironment;

enum class Backend { kAuto, kMpi, kNccl, kThreads };

inline constexpr EnumName<Backend> kBackendNames[] = {
    {"auto", Backend::kAuto},
    {"mpi", Backend::kMpi},
    {"nccl", Backend::kNccl},
    {"threads", Backend::kThreads}};

struct BootstrapOptions {
  Backend backend = Backend::kAuto;
  CommunicatorOptions communicator;
};

struct DistributedContext {
  DistributedContext();
  ~DistributedContext();
  std::unique_ptr<MpiEnvironment> mpi;  // declared first: destroyed last
  std::unique_ptr<Communicator> comm;
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_size = 1;
  // The CUDA device this rank is bound to; -1 when it has none (a CPU build,
  // or no GPU visible).
  int device_index = -1;
  std::string backend;  // the backend chosen ("mpi", "threads"), for logs
};

absl::StatusOr<std::unique_ptr<DistributedContext>> Bootstrap(
    int* argc, char*** argv, const BootstrapOptions& options);

// What this build's distributed runtime is made of, for `micon info`; callable
// before (and without) Bootstrap.
struct RuntimeVersions {
  std::string mpi;    // MPI_Get_library_version, without its trailing newline
  bool nccl = false;  // the NCCL backend is built in
  int nccl_library = 0;  // NCCL_VERSION_CODE of the loaded libnccl; 0 without
  int nccl_header = 0;   // and of the nccl.h micon was compiled against
};
RuntimeVersions DistributedRuntimeVersions();

}  // namespace micon

#endif  // MICON_DISTRIBUTED_BOOTSTRAP_H_
