// stable_hash.h: FNV-1a, a 64-bit hash that is the same on every machine, build
// and run (std::hash is not), for checksums and for deterministic choices keyed
// by strings.
//
//   uint64_t h = StableHash("CC(=O)O");
//   h = StableHash(tensor.data_ptr(), tensor.nbytes(), h);  // chained over
//                                                           // several buffers
#ifndef MICON_CORE_STABLE_HASH_H_
#define MICON_CORE_STABLE_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace micon {

inline constexpr uint64_t kStableHashSeed = 1469598103934665603ull;

inline uint64_t StableHash(const void* data, size_t size,
                           uint64_t hash = kStableHashSeed) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

inline uint64_t StableHash(const std::string& s) {
  return StableHash(s.data(), s.size());
}

}  // namespace micon

#endif  // MICON_CORE_STABLE_HASH_H_
