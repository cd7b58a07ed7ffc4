#include "launch/process_memory.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace micon {

void KeepFreedMemoryInProcess() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr)
    return;
  // 32 MiB is the most mallopt accepts on 64-bit; setting it also stops the
  // run-time adjustment, which is why the trim threshold alone is worse than
  // the defaults (every block over 128 KiB then maps).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace micon
