// mpi_world.h: the MPI world communicator of a test binary run under mpirun
// (mpi_test_main.cc owns it for the whole run).
#ifndef MICON_TESTS_DISTRIBUTED_MPI_WORLD_H_
#define MICON_TESTS_DISTRIBUTED_MPI_WORLD_H_

#include "distributed/communicator.h"

namespace micon::testing {

Communicator& MpiWorld();

}  // namespace micon::testing

#endif  // MICON_TESTS_DISTRIBUTED_MPI_WORLD_H_
