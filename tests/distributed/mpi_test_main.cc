// An MPI-aware GoogleTest main (KaMPIng style): MPI lives for the whole run,
// each test gets the world communicator through MpiWorld(), intra-op threads
// are shared among the node's ranks, and only rank 0 prints the full report;
// other ranks print their failures with their rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <memory>

#include "core/torch_threads.h"
#include "distributed/mpi/mpi_communicator.h"
#include "tests/distributed/mpi_world.h"

namespace micon::testing {
namespace {

Communicator* world_communicator =
    nullptr;  // owned by main's stack, set for its lifetime

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed()) {
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, result.file_name(),
                   result.line_number(), result.summary());
    }
  }

 private:
  int rank_;
};

}  // namespace

Communicator& MpiWorld() { return *world_communicator; }

}  // namespace micon::testing

int main(int argc, char** argv) {
  micon::MpiEnvironment mpi(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  auto comm =
      micon::CreateMpiCommunicator(MPI_COMM_WORLD, {std::chrono::seconds(120)});
  if (!comm.ok()) {
    std::fprintf(stderr, "%s\n", std::string(comm.status().message()).c_str());
    return 1;
  }
  micon::testing::world_communicator = comm->get();
  MPI_Comm node;
  int local_size = 1;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
                      &node);
  MPI_Comm_size(node, &local_size);
  MPI_Comm_free(&node);
  micon::ConfigureTorchThreads(0, local_size);
  const int rank = (*comm)->rank();
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (rank != 0) {
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new micon::testing::RankFailurePrinter(rank));
  }
  int failed = RUN_ALL_TESTS();
  // Every rank learns whether any rank failed, so mpirun's exit code reflects
  // all of them.
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  micon::testing::world_communicator = nullptr;
  comm->reset();
  return failed;
}
