// Test main for core/: fixes LibTorch's thread count so results do not depend
// on the machine.
#include <gtest/gtest.h>

#include "core/torch_threads.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  micon::ConfigureTorchThreads(0);
  return RUN_ALL_TESTS();
}
