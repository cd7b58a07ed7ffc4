# Finds every third-party dependency once, so component CMakeLists only link targets.
find_package(Torch REQUIRED)
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(absl REQUIRED)
find_package(TIFF REQUIRED)
find_package(RDKit REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PkgConfig REQUIRED)
# libcsv ships neither a CMake config nor a pkg-config file.
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(CSV_LIBRARY NAMES csv REQUIRED)
add_library(micon_libcsv INTERFACE)
target_include_directories(micon_libcsv SYSTEM INTERFACE ${CSV_INCLUDE_DIR})
target_link_libraries(micon_libcsv INTERFACE ${CSV_LIBRARY})

add_library(micon_hdf5 INTERFACE)
target_include_directories(micon_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(micon_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_compile_definitions(micon_hdf5 INTERFACE ${HDF5_DEFINITIONS})

# CUDA follows LibTorch; NCCL needs CUDA. Asking for something missing stops here.
set(MICON_HAVE_CUDA 0)
# MICON_CUDA_SYNTAX_CHECK configures the CUDA path over a CPU LibTorch, for a tree that is never
# built: tests/gpu/libtorch2_check.sh compiles its translation units (-fsyntax-only) against a
# CUDA LibTorch's headers.
option(MICON_CUDA_SYNTAX_CHECK "Configure the CUDA path for tests/gpu/libtorch2_check.sh only" OFF)
if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda OR MICON_CUDA_SYNTAX_CHECK)
  set(_torch_has_cuda TRUE)
else()
  set(_torch_has_cuda FALSE)
endif()
if(MICON_CUDA STREQUAL "ON" AND NOT _torch_has_cuda)
  message(FATAL_ERROR "MICON_CUDA=ON but the LibTorch at ${Torch_DIR} was built without CUDA. "
                      "Point CMAKE_PREFIX_PATH at a CUDA LibTorch or use MICON_CUDA=AUTO.")
endif()
if(_torch_has_cuda AND NOT MICON_CUDA STREQUAL "OFF")
  set(MICON_HAVE_CUDA 1)
endif()

# NCCL needs nccl.h, libnccl and the CUDA runtime (cudart), not LibTorch's CUDA: the NCCL
# runtime layer (distributed/nccl/cuda_nccl_runtime.cc) is compiled and linked, and its smoke
# test run, on a CPU machine that has a CUDA toolkit. Training through it needs a CUDA LibTorch
# (bootstrap refuses otherwise).
set(MICON_HAVE_NCCL 0)
if(NOT MICON_NCCL STREQUAL "OFF")
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
  find_path(NCCL_INCLUDE_DIR nccl.h
            HINTS $ENV{NCCL_HOME}/include ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
  find_library(NCCL_LIBRARY nccl
               HINTS $ENV{NCCL_HOME}/lib ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
  if(TARGET CUDA::cudart AND NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(MICON_HAVE_NCCL 1)
    add_library(micon_nccl INTERFACE)
    target_include_directories(micon_nccl SYSTEM INTERFACE ${NCCL_INCLUDE_DIR})
    target_link_libraries(micon_nccl INTERFACE ${NCCL_LIBRARY} CUDA::cudart)
  elseif(MICON_NCCL STREQUAL "ON")
    message(FATAL_ERROR "MICON_NCCL=ON but nccl.h/libnccl or the CUDA runtime were not found "
                        "(looked in NCCL_HOME, CUDAToolkit_ROOT and /usr/local/cuda): "
                        "nccl.h=${NCCL_INCLUDE_DIR} libnccl=${NCCL_LIBRARY} "
                        "cudart=${CUDAToolkit_FOUND}; set NCCL_HOME or CUDAToolkit_ROOT.")
  endif()
endif()
message(STATUS "micon: CUDA=${MICON_HAVE_CUDA} NCCL=${MICON_HAVE_NCCL} "
               "Torch=${Torch_VERSION} HDF5=${HDF5_VERSION} RDKit=${RDKit_VERSION}")

# MPI's C API only: Open MPI's deprecated C++ bindings would otherwise be pulled into every TU.
add_library(micon_mpi INTERFACE)
target_link_libraries(micon_mpi INTERFACE MPI::MPI_C)
target_compile_definitions(micon_mpi INTERFACE OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
