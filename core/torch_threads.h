// torch_threads.h: sets LibTorch's intra-op and inter-op thread pools
// explicitly.
//
// Debian's LibTorch starts with one intra-op thread on this class of machine,
// so every micon process calls this once, before any tensor work (the
// command line does it in one place: launch/command.h):
//
//   micon::ConfigureTorchThreads(/*intra_op=*/0);  // 0 = one per available core
#ifndef MICON_CORE_TORCH_THREADS_H_
#define MICON_CORE_TORCH_THREADS_H_

namespace micon {

// Sets the intra-op pool (and OpenBLAS's own pool, when that is the BLAS) to
// `intra_op` threads (0 = the cores this process may use, divided by
// `ranks_on_node` so co-located MPI ranks do not oversubscribe). Returns the
// count in effect.
int ConfigureTorchThreads(int intra_op, int ranks_on_node = 1);

// While alive, OpenBLAS (when it is the BLAS) runs each call on the calling
// thread alone; its previous thread count comes back after. For loops that
// split BLAS calls over LibTorch's own threads: OpenBLAS's idle workers
// otherwise spin in sched_yield beside them, measured as a sixth of an
// evaluation's time on 2 cores.
class ScopedSingleThreadedBlas {
 public:
  ScopedSingleThreadedBlas();
  ~ScopedSingleThreadedBlas();
  ScopedSingleThreadedBlas(const ScopedSingleThreadedBlas&) = delete;
  ScopedSingleThreadedBlas& operator=(const ScopedSingleThreadedBlas&) = delete;

 private:
  int previous_ = 0;  // 0: OpenBLAS is not the BLAS
};

// Cores this process may run on (its CPU affinity mask), at least 1.
int AvailableCores();

// The OPENBLAS_CORETYPE a process should restart with, or null. Debian's
// OpenBLAS picks its kernels from the CPU's model name, and on virtual CPUs
// it picks narrow ones: Prescott's SSE3 kernels on an "Intel Xeon Processor"
// (measured 4x slower than the AVX-512 ones the CPU has), Haswell's AVX2
// kernels on an "AMD EPYC" with AVX-512 (sgemm 122 against 243 GFLOPS, 2
// cores). OpenBLAS reads the variable only as it loads, so main() sets it and
// execs itself once, before any thread or MPI starts. Null when the variable
// is set already (the user's choice, or the restart done), when OpenBLAS is
// not the BLAS, or when its choice is already the widest the CPU runs.
const char* OpenBlasCoreToRestartWith();

}  // namespace micon

#endif  // MICON_CORE_TORCH_THREADS_H_
