// evaluation_budget.h: how large a similarity tile an evaluation can afford,
// decided before it starts, so that a screen too large for the memory given
// is refused with the number it needs instead of being killed halfway.
//
//   const MemoryBudget budget = DefaultMemoryBudget(ranks_on_this_node);
//   MICON_ASSIGN_OR_RETURN(int64_t tile,
//       TileForBudget(path, wells, fixed_bytes, budget, precision));
#ifndef MICON_LAUNCH_PROFILES_EVALUATION_BUDGET_H_
#define MICON_LAUNCH_PROFILES_EVALUATION_BUDGET_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/metrics/similarity_tiles.h"
#include "launch/profiles/available_memory.h"

namespace micon {

// The smallest tile worth computing, and the largest: past it BLAS is no
// faster and the per-tile buffers only cost memory.
inline constexpr int64_t kMinTile = 256;
inline constexpr int64_t kMaxTile = 4096;

// What an evaluation may hold, and why that much (for messages).
struct MemoryBudget {
  int64_t bytes = 0;
  std::string source;
};

// 80 % of what this process may still allocate (available_memory.h: the
// machine's MemAvailable or its cgroup's free memory, whichever is less),
// split evenly among the `ranks_on_node` ranks of this node, since each holds
// its own copy of the features; 4 GiB per rank where nothing can be read.
// `root` as for ReadAvailableMemory.
MemoryBudget DefaultMemoryBudget(int ranks_on_node,
                                 const std::string& root = "");

// The largest tile, a multiple of kMinTile up to kMaxTile (or `wells` when
// fewer), whose buffers fit in `budget` beside `fixed_bytes`. An error naming
// `what`, the bytes needed and the budget with its source when even kMinTile
// does not.
absl::StatusOr<int64_t> TileForBudget(const std::string& what, int64_t wells,
                                      int64_t fixed_bytes,
                                      const MemoryBudget& budget,
                                      TilePrecision precision);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_EVALUATION_BUDGET_H_
