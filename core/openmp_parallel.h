// openmp_parallel.h: at::parallel_for, refused where it would run serially.
//
// LibTorch's at::parallel_for is an inline `#pragma omp parallel` region
// (ATen/ParallelOpenMP.h). A translation unit compiled without -fopenmp
// drops the pragma and runs every loop on the calling thread, silently
// (micon's evaluation ran on one core of two that way). Files that call
// at::parallel_for include this header instead of ATen/Parallel.h and are
// listed in MICON_OPENMP_SOURCES (core/CMakeLists.txt), which compiles them
// with OpenMP.
#ifndef MICON_CORE_OPENMP_PARALLEL_H_
#define MICON_CORE_OPENMP_PARALLEL_H_

#include <ATen/Config.h>
#include <ATen/Parallel.h>

#if AT_PARALLEL_OPENMP && !defined(_OPENMP)
#error \
    "at::parallel_for needs OpenMP here: add this file to MICON_OPENMP_SOURCES"
#endif

#endif  // MICON_CORE_OPENMP_PARALLEL_H_
