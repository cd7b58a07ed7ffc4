// The test main of every micon test binary: fixes LibTorch's thread count so
// results do not depend on the machine, and refuses to run silently against a
// missing ../shared/data.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "core/torch_threads.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  micon::ConfigureTorchThreads(0);
  if (!std::filesystem::is_directory(MICON_SHARED_DATA_DIR)) {
    std::fprintf(stderr,
                 "error: real test data not found at %s (set "
                 "-DMICON_SHARED_DATA_DIR=...)\n",
                 MICON_SHARED_DATA_DIR);
    return 1;
  }
  return RUN_ALL_TESTS();
}
