// KeepFreedMemoryInProcess (launch/process_memory.h): a large buffer comes from
// the heap, not from a mapping of its own, and stays with the process once
// freed, so the next step's buffer reuses those pages instead of faulting in
// new ones. Run in a child: the setting is for the whole process.
#include "launch/process_memory.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace micon {
namespace {

TEST(ProcessMemory, FreedBuffersStayInTheProcessHeap) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    unsetenv("GLIBC_TUNABLES");
    KeepFreedMemoryInProcess();
    constexpr size_t kBytes = 16 << 20;  // an activation of a small step
    void* buffer = std::malloc(kBytes);
    if (buffer == nullptr) _exit(3);
    std::memset(buffer, 1, kBytes);
    const struct mallinfo2 held = mallinfo2();
    std::free(buffer);
    const struct mallinfo2 freed = mallinfo2();
    // Not a mapping of its own; and after free() the heap still holds it.
    if (held.hblkhd >= kBytes) _exit(1);
    if (freed.arena < kBytes) _exit(2);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 1) << "the buffer was mapped on its own";
  EXPECT_NE(WEXITSTATUS(status), 2) << "the heap gave the buffer back";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace micon
