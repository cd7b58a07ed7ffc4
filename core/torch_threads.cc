#include "core/torch_threads.h"

#include <dlfcn.h>
#include <sched.h>
#include <torch/torch.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace micon {
namespace {

// OpenBLAS's controls, looked up at run time because the BLAS behind LibTorch
// is picked by Debian's alternatives (or is MKL).
using SetBlasThreads = void (*)(int);
using GetBlasThreads = int (*)();

}  // namespace

int AvailableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    return std::max(1, CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

int ConfigureTorchThreads(int intra_op, int ranks_on_node) {
  TORCH_CHECK(intra_op >= 0, "intra-op thread count must be >= 0, got ",
              intra_op);
  TORCH_CHECK(ranks_on_node >= 1, "ranks_on_node must be >= 1, got ",
              ranks_on_node);
  const int threads =
      intra_op > 0 ? intra_op : std::max(1, AvailableCores() / ranks_on_node);
  torch::set_num_threads(threads);
#ifdef _OPENMP
  // micon's own at::parallel_for regions (openmp_parallel.h) run on the
  // OpenMP runtime this file links, which is not LibTorch's where a wheel
  // bundles its own libgomp: size it too.
  omp_set_num_threads(threads);
#endif
  // Debian's OpenBLAS keeps its own thread pool, sized to every core the
  // process may use unless told otherwise: left alone, it oversubscribes
  // co-located ranks and makes results depend on the launcher's CPU binding
  // (mpirun binds, srun without a task plugin does not), where they should
  // depend on the thread count micon chose.
  if (auto set_blas = reinterpret_cast<SetBlasThreads>(
          dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set_blas(threads);
  }
  return torch::get_num_threads();
}

ScopedSingleThreadedBlas::ScopedSingleThreadedBlas() {
  const auto get = reinterpret_cast<GetBlasThreads>(
      dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  const auto set = reinterpret_cast<SetBlasThreads>(
      dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (get == nullptr || set == nullptr) return;
  previous_ = get();
  set(1);
}

ScopedSingleThreadedBlas::~ScopedSingleThreadedBlas() {
  if (previous_ == 0) return;
  if (const auto set = reinterpret_cast<SetBlasThreads>(
          dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(previous_);
  }
}

const char* OpenBlasCoreToRestartWith() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return nullptr;
  using CoreName = char* (*)();
  const auto core_name =
      reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (core_name == nullptr) return nullptr;
  const std::string core = core_name();
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    // Any AVX-512 core OpenBLAS 0.3.21 knows; everything else it may pick on
    // such a CPU (Prescott, Haswell, Zen) uses half the vector width.
    const bool avx512 =
        core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
    return avx512 ? nullptr : "SkylakeX";
  }
  if (core == "Prescott" && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    return "Haswell";
  }
  return nullptr;
}

}  // namespace micon
