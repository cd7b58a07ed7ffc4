// `micon info`: what this build and machine provide, measured rather than
// assumed.
#include <RDGeneral/versions.h>
#include <hdf5.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "core/torch_threads.h"
#include "distributed/bootstrap.h"
#include "launch/command.h"
#include "micon/config.h"

namespace micon {
namespace {

// A 1024^2 float matmul, best of a few: tells an optimised BLAS (~100+ GFLOP/s
// per core here) from Debian's reference BLAS (~5 GFLOP/s), which LibTorch
// silently falls back to.
double MatmulGflops() {
  const int64_t n = 1024;
  torch::NoGradGuard no_grad;
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::mm(a, b);  // warm-up
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    torch::mm(a, b);
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - t0)
                              .count());
  }
  return 2.0 * n * n * n / best / 1e9;
}

absl::Status RunInfo() {
  const RuntimeVersions runtime = DistributedRuntimeVersions();
  hbool_t threadsafe = 0;
  H5is_library_threadsafe(&threadsafe);
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  std::printf("micon          %s\n", MICON_VERSION);
  std::printf("build          CUDA=%d NCCL=%d\n", MICON_HAVE_CUDA,
              runtime.nccl ? 1 : 0);
  if (runtime.nccl) {
    auto version = [](int v) {
      return absl::StrCat(v / 10000, ".", v / 100 % 100, ".", v % 100);
    };
    std::printf("nccl           %s (built against %s)\n",
                version(runtime.nccl_library).c_str(),
                version(runtime.nccl_header).c_str());
  }
  std::printf("libtorch       %s (cuda available: %s)\n", TORCH_VERSION,
              torch::cuda::is_available() ? "yes" : "no");
  std::printf("threads        %d intra-op of %d available cores\n",
              torch::get_num_threads(), AvailableCores());
  std::printf("matmul 1024^2  %.1f GFLOP/s float32\n", MatmulGflops());
  std::printf("hdf5           %u.%u.%u (thread-safe: %s)\n", major, minor,
              release, threadsafe ? "yes" : "no");
  std::printf("rdkit          %s\n", RDKit::rdkitVersion);
  std::printf("mpi            %s\n", runtime.mpi.c_str());
  return absl::OkStatus();
}

}  // namespace

void AddInfoCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand(
      "info", "Show the build, libraries and measured BLAS speed");
  sub->callback([&run] { run = RunInfo; });
}

}  // namespace micon
