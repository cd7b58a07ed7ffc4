// launch_environment.h: who started this process, and which rank it is, as
// the launcher's environment tells it (before and independently of MPI).
//
//   LaunchEnvironment env = DetectLaunchEnvironment(std::getenv);
//   MICON_RETURN_IF_ERROR(CheckAgainstMpi(env, dist->rank, dist->world_size));
//
// Launchers: mpirun (Open MPI: OMPI_COMM_WORLD_*), srun (a job step:
// SLURM_STEP_ID with SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID,
// SLURM_NODEID), or none (world 1; also a plain `micon train` in the batch
// script of an allocation, which is not a job step). PMIx variables are what
// srun --mpi=pmix adds; they are read when neither of the above is present.
// The check against MPI catches the classic failure: `srun` without a PMI
// plugin starts N singleton worlds that would each train alone.
#ifndef MICON_DISTRIBUTED_LAUNCH_ENVIRONMENT_H_
#define MICON_DISTRIBUTED_LAUNCH_ENVIRONMENT_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace micon {

struct LaunchEnvironment {
  std::string launcher = "none";  // mpirun | srun | pmix | none
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int node = 0;
  std::string source;  // the variables read, for messages
};

using GetEnv = std::function<const char*(const char*)>;

// Malformed values (not an integer, rank outside the world) are errors naming
// the variable.
absl::StatusOr<LaunchEnvironment> DetectLaunchEnvironment(const GetEnv& getenv);

// An error naming both views when MPI's rank or world size differs from the
// launcher's.
absl::Status CheckAgainstMpi(const LaunchEnvironment& env, int mpi_rank,
                             int mpi_world_size);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_LAUNCH_ENVIRONMENT_H_
