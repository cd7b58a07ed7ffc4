#include "tests/fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace micon::fuzz {

std::string InputFile(const uint8_t* data, size_t size,
                      const std::string& suffix) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") +
                          "/micon-fuzz-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/input" + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data),
             static_cast<std::streamsize>(size));
  return path;
}

std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

uint8_t TakeSelector(const uint8_t** data, size_t* size) {
  if (*size == 0) return 0;
  const uint8_t selector = **data;
  ++*data;
  --*size;
  return selector;
}

}  // namespace micon::fuzz
