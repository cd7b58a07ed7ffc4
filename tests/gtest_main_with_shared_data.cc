// The test main: refuses to run data tests silently against a missing
// ../shared/data.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!std::filesystem::is_directory(MICON_SHARED_DATA_DIR)) {
    std::fprintf(stderr,
                 "error: real test data not found at %s (set "
                 "-DMICON_SHARED_DATA_DIR=...)\n",
                 MICON_SHARED_DATA_DIR);
    return 1;
  }
  return RUN_ALL_TESTS();
}
