#include "distributed/launch_environment.h"

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace micon {
namespace {

// Reads integer variable `name`; absent gives `fallback`.
absl::StatusOr<int> Int(const GetEnv& getenv, const char* name, int fallback) {
  const char* value = getenv(name);
  if (value == nullptr) return fallback;
  int out = 0;
  if (!absl::SimpleAtoi(value, &out) || out < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment variable ", name, "='", value,
                     "' is not a non-negative integer"));
  }
  return out;
}

struct Names {
  const char* launcher;
  const char* rank;
  const char* size;
  const char* local_rank;
  const char* node;
};

}  // namespace

absl::StatusOr<LaunchEnvironment> DetectLaunchEnvironment(
    const GetEnv& getenv) {
  static constexpr Names kOpenMpi = {
      "mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
      "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_NODE_RANK"};
  static constexpr Names kSrun = {"srun", "SLURM_PROCID",
                                  "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID",
                                  "SLURM_NODEID"};
  static constexpr Names kPmix = {"pmix", "PMIX_RANK", "PMIX_SIZE",
                                  "PMIX_LOCAL_RANK", "PMIX_NODEID"};
  const Names* names = nullptr;
  if (getenv("OMPI_COMM_WORLD_SIZE") != nullptr) {
    names = &kOpenMpi;
  } else if (getenv("SLURM_STEP_ID") != nullptr &&
             getenv("SLURM_PROCID") != nullptr) {
    names = &kSrun;  // a job step; the batch script itself is not one
  } else if (getenv("PMIX_RANK") != nullptr) {
    names = &kPmix;
  }
  LaunchEnvironment env;
  if (names == nullptr) return env;
  env.launcher = names->launcher;
  env.source = absl::StrCat(names->rank, "/", names->size);
  MICON_ASSIGN_OR_RETURN(env.rank, Int(getenv, names->rank, 0));
  MICON_ASSIGN_OR_RETURN(env.world_size, Int(getenv, names->size, 1));
  MICON_ASSIGN_OR_RETURN(env.local_rank, Int(getenv, names->local_rank, 0));
  MICON_ASSIGN_OR_RETURN(env.node, Int(getenv, names->node, 0));
  if (env.world_size < 1 || env.rank >= env.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat(names->launcher, ": ", names->rank, "=", env.rank,
                     " is outside ", names->size, "=", env.world_size));
  }
  return env;
}

absl::Status CheckAgainstMpi(const LaunchEnvironment& env, int mpi_rank,
                             int mpi_world_size) {
  if (env.launcher == "none" ||
      (env.rank == mpi_rank && env.world_size == mpi_world_size)) {
    return absl::OkStatus();
  }
  std::string hint;
  if (mpi_world_size == 1 && env.world_size > 1) {
    hint = env.launcher == "srun"
               ? " srun started every task as its own MPI world: launch with "
                 "`srun --mpi=pmix` (see `srun --mpi=list`) or with mpirun "
                 "inside the allocation"
               : " MPI did not join the launcher's processes into one world";
  }
  return absl::FailedPreconditionError(
      absl::StrCat(env.launcher, " says rank ", env.rank, " of ",
                   env.world_size, " (", env.source, ") but MPI says rank ",
                   mpi_rank, " of ", mpi_world_size, ";", hint));
}

}  // namespace micon
