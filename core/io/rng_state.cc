#include "core/io/rng_state.h"

#include <ATen/Context.h>
#include <ATen/Functions.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace micon {
namespace {

// The CPU generator, then the bound device's when it is not the CPU.
std::vector<at::Generator> Generators(const c10::Device& device) {
  std::vector<at::Generator> generators = {
      at::globalContext().defaultGenerator(at::kCPU)};
  if (!device.is_cpu()) {
    generators.push_back(at::globalContext().defaultGenerator(device));
  }
  return generators;
}

}  // namespace

// Layout: uint32 count, then per generator uint32 size + the state bytes.
std::string CaptureRngState(const c10::Device& device) {
  std::string out;
  auto put_u32 = [&out](uint32_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(v));
  };
  const std::vector<at::Generator> generators = Generators(device);
  put_u32(static_cast<uint32_t>(generators.size()));
  for (at::Generator g : generators) {
    std::lock_guard<std::mutex> lock(g.mutex());
    const at::Tensor state = g.get_state().contiguous();
    put_u32(static_cast<uint32_t>(state.numel()));
    out.append(reinterpret_cast<const char*>(state.data_ptr<uint8_t>()),
               static_cast<size_t>(state.numel()));
  }
  return out;
}

absl::Status RestoreRngState(const std::string& bytes,
                             const c10::Device& device) {
  size_t at = 0;
  auto get_u32 = [&](uint32_t* v) {
    if (bytes.size() - at < sizeof(*v)) return false;
    std::memcpy(v, bytes.data() + at, sizeof(*v));
    at += sizeof(*v);
    return true;
  };
  std::vector<at::Generator> generators = Generators(device);
  uint32_t count = 0;
  if (!get_u32(&count)) return absl::DataLossError("RNG state is truncated");
  if (count != generators.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the RNG state holds ", count, " generator(s) (",
        count > 1 ? "CPU + a GPU" : "CPU only", ") but this rank computes on ",
        device.str(), ", which has ", generators.size(),
        ": a GPU run resumes on a GPU and a CPU run on CPU"));
  }
  for (at::Generator& g : generators) {
    uint32_t size = 0;
    if (!get_u32(&size) || bytes.size() - at < size) {
      return absl::DataLossError("RNG state is truncated");
    }
    at::Tensor state = at::empty({static_cast<int64_t>(size)}, at::kByte);
    std::memcpy(state.data_ptr<uint8_t>(), bytes.data() + at, size);
    at += size;
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(state);
  }
  if (at != bytes.size()) {
    return absl::DataLossError("RNG state has trailing bytes");
  }
  return absl::OkStatus();
}

}  // namespace micon
