// Collective bandwidth of micon's MPI backend, nccl-tests conventions:
//   algbw = bytes / time; busbw = algbw * 2(n-1)/n (all-reduce), * (n-1)/n
//   (all-gather). mpirun -np 2 --oversubscribe
//   build/tests/bench/collectives_bench [max_mb]
// Rank 0 prints a Markdown table; every timing is the median of 9 runs after 2
// warm-ups, each run bracketed by barriers and timed as the slowest rank's
// time.
#include <mpi.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/torch_threads.h"
#include "distributed/mpi/mpi_communicator.h"

namespace {

double MedianSeconds(micon::Communicator& comm,
                     const std::function<void()>& op) {
  std::vector<double> times;
  for (int i = 0; i < 11; ++i) {
    (void)comm.Barrier({})->Wait();
    const auto t0 = std::chrono::steady_clock::now();
    op();
    double dt =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (i >= 2) times.push_back(dt);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void Check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  micon::MpiEnvironment mpi(&argc, &argv);
  micon::ConfigureTorchThreads(1);
  const int64_t max_mb = argc > 1 ? std::atoll(argv[1]) : 64;
  auto made = micon::CreateMpiCommunicator(MPI_COMM_WORLD, {});
  Check(made.status());
  micon::Communicator& comm = **made;
  const int n = comm.world_size();
  if (comm.rank() == 0) {
    std::printf("ranks: %d, backend: %s, float32\n\n", n, comm.backend());
    std::printf(
        "| bytes | all-reduce ms | all-reduce busbw GB/s | all-gather ms "
        "(bytes per rank) | all-gather busbw GB/s |\n");
    std::printf("|---:|---:|---:|---:|---:|\n");
  }
  for (int64_t bytes = 4096; bytes <= max_mb * (int64_t{1} << 20); bytes *= 4) {
    const int64_t elements = bytes / 4;
    at::Tensor buffer = torch::ones({elements});
    const double reduce =
        MedianSeconds(comm, [&] { Check(comm.AllReduce(buffer, {})->Wait()); });
    at::Tensor part = torch::ones({elements / n});
    at::Tensor whole = torch::empty({elements / n * n});
    const double gather = MedianSeconds(
        comm, [&] { Check(comm.AllGather(part, whole, {})->Wait()); });
    if (comm.rank() == 0) {
      const double reduce_bus = bytes / reduce * 2.0 * (n - 1) / n / 1e9;
      const double gather_bus =
          (elements / n * n * 4.0) / gather * (n - 1.0) / n / 1e9;
      std::printf("| %lld | %.3f | %.2f | %.3f | %.2f |\n",
                  static_cast<long long>(bytes), reduce * 1e3, reduce_bus,
                  gather * 1e3, gather_bus);
    }
  }
  return 0;
}
