// process_memory.h: how micon's process keeps the memory it frees.
//
// A training step frees and reallocates the same activation and gradient
// buffers every step. With glibc's defaults, blocks past its mmap threshold
// (adjusted at run time, at most 32 MiB) are mapped and unmapped each time, and
// the top of the heap is returned to the kernel whenever 64 MiB lie free, so
// every step faults in and zeroes fresh pages. perf showed micon with 28 % of
// its samples in the kernel and 12 % in memset/memmove at world 1 against
// 18 % and 4 % for a PyTorch peer of the same step (docs/PERFORMANCE.md, "The
// trainer's waits"). Keeping freed memory in the process, as PyTorch's GPU
// caching allocator does on a device, removes that cost; what it costs is
// that the process keeps its peak heap until it exits.
#ifndef MICON_LAUNCH_PROCESS_MEMORY_H_
#define MICON_LAUNCH_PROCESS_MEMORY_H_

namespace micon {

// Before anything large is allocated: fixes glibc's mmap threshold at its
// largest (32 MiB) and trims the heap only past 1 GiB free. Leaves glibc as
// it is when GLIBC_TUNABLES sets any malloc tunable (the user's choice wins).
void KeepFreedMemoryInProcess();

}  // namespace micon

#endif  // MICON_LAUNCH_PROCESS_MEMORY_H_
