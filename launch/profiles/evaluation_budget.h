// evaluation_budget.h: how large a similarity tile an evaluation can afford,
// decided before it starts, so that a screen too large for the memory given
// is refused with the number it needs instead of being killed halfway.
//
//   MICON_ASSIGN_OR_RETURN(int64_t tile,
//       TileForBudget(path, wells, fixed_bytes, budget, precision));
#ifndef MICON_LAUNCH_PROFILES_EVALUATION_BUDGET_H_
#define MICON_LAUNCH_PROFILES_EVALUATION_BUDGET_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/metrics/similarity_tiles.h"

namespace micon {

// The smallest tile worth computing, and the largest: past it BLAS is no
// faster and the per-tile buffers only cost memory.
inline constexpr int64_t kMinTile = 256;
inline constexpr int64_t kMaxTile = 4096;

// 80 % of the memory the kernel reports available (MemAvailable of
// /proc/meminfo); 4 GiB where that cannot be read.
int64_t DefaultMemoryBytes();

// The largest tile, a multiple of kMinTile up to kMaxTile (or `wells` when
// fewer), whose buffers fit in `budget_bytes` beside `fixed_bytes`. An error
// naming `what`, the bytes needed and the budget when even kMinTile does not.
absl::StatusOr<int64_t> TileForBudget(const std::string& what, int64_t wells,
                                      int64_t fixed_bytes, int64_t budget_bytes,
                                      TilePrecision precision);

// "1.25 GB" (10^9 bytes, as --memory-gb counts).
std::string Gigabytes(int64_t bytes);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_EVALUATION_BUDGET_H_
