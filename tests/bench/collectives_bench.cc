// Collective bandwidth of micon's MPI backend, nccl-tests conventions:
//   algbw = bytes / time; busbw = algbw * 2(n-1)/n (all-reduce), * (n-1)/n
//   (all-gather). mpirun -np 2 --oversubscribe
//   build/tests/bench/collectives_bench [max_mb]
// and the latency of a small all-reduce (what synchronised BatchNorm makes
// ~80 of a step) through micon's Work::Wait() against bare MPI:
//   mpirun -np 2 build/tests/bench/collectives_bench latency [floats] [reps]
// (with -x MICON_BENCH_SERIALIZED=1: micon's non-blocking path, as before the
// small all-reduces blocked)
// Rank 0 prints a Markdown table; every timing is the median of 9 runs after 2
// warm-ups, each run bracketed by barriers and timed as the slowest rank's
// time.
#include <mpi.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
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

// Median time of one `op` over rounds of `reps` back-to-back calls (the
// slowest rank's round), in microseconds.
double MedianMicros(micon::Communicator& comm, int reps,
                    const std::function<void()>& op) {
  return MedianSeconds(comm,
                       [&] {
                         for (int i = 0; i < reps; ++i) op();
                       }) /
         reps * 1e6;
}

void Latency(micon::Communicator& comm, int64_t floats, int reps) {
  at::Tensor t = torch::ones({floats});
  float* data = t.data_ptr<float>();
  const double bare = MedianMicros(comm, reps, [&] {
    MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(floats), MPI_FLOAT,
                  MPI_SUM, MPI_COMM_WORLD);
  });
  const double nonblocking = MedianMicros(comm, reps, [&] {
    MPI_Request r;
    MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(floats), MPI_FLOAT,
                   MPI_SUM, MPI_COMM_WORLD, &r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
  });
  const double micon =
      MedianMicros(comm, reps, [&] { Check(comm.AllReduce(t, {})->Wait()); });
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  // mpi_communicator.h: up to 64 KiB, blocking where MPI is multi-threaded.
  const char* path = level == MPI_THREAD_MULTIPLE && floats * 4 <= (64 << 10)
                         ? "blocking"
                         : "non-blocking";
  if (comm.rank() == 0) {
    std::printf(
        "ranks: %d, all-reduce of %lld floats, median of 9 rounds of %d\n\n"
        "| path | us per all-reduce | vs bare |\n|---|---:|---:|\n"
        "| bare MPI_Allreduce | %.1f | 1.00 |\n"
        "| MPI_Iallreduce + MPI_Wait | %.1f | %.2f |\n"
        "| micon AllReduce + Work::Wait, %s path | %.1f | %.2f |\n",
        comm.world_size(), static_cast<long long>(floats), reps, bare,
        nonblocking, nonblocking / bare, path, micon, micon / bare);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // MICON_BENCH_SERIALIZED=1: MPI initialised as micon did before its small
  // all-reduces blocked, so they take the non-blocking path (the "before").
  struct FinalizeLast {  // destroyed after the communicator and `mpi`
    bool owned = false;
    ~FinalizeLast() {
      if (owned) MPI_Finalize();
    }
  } finalize;
  if (const char* serialized = std::getenv("MICON_BENCH_SERIALIZED");
      serialized != nullptr && std::string(serialized) == "1") {
    int level = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &level);
    finalize.owned = true;
  }
  micon::MpiEnvironment mpi(&argc, &argv);
  micon::ConfigureTorchThreads(1);
  auto made = micon::CreateMpiCommunicator(MPI_COMM_WORLD, {});
  Check(made.status());
  micon::Communicator& comm = **made;
  if (argc > 1 && std::string(argv[1]) == "latency") {
    Latency(comm, argc > 2 ? std::atoll(argv[2]) : 64,
            argc > 3 ? std::atoi(argv[3]) : 200);
    return 0;
  }
  const int64_t max_mb = argc > 1 ? std::atoll(argv[1]) : 64;
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
