// random_stream.h: reproducible, independent random streams addressed by
// integers.
//
//   std::mt19937_64 rng = RandomStream(seed, {rank, step, entry});
//
// Each tuple of tags gives its own stream (SplitMix64 mixing of the seed and
// tags), so results depend on what is drawn, never on which thread draws it or
// in which order.
#ifndef MICON_DATA_RANDOM_STREAM_H_
#define MICON_DATA_RANDOM_STREAM_H_

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>

#include "core/stable_hash.h"

namespace micon {

inline std::mt19937_64 RandomStream(uint64_t seed,
                                    std::initializer_list<uint64_t> tags) {
  uint64_t x = seed ^ 0x9e3779b97f4a7c15ull;
  for (uint64_t t : tags) {
    x += t + 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
  }
  return std::mt19937_64(x);
}

}  // namespace micon

#endif  // MICON_DATA_RANDOM_STREAM_H_
