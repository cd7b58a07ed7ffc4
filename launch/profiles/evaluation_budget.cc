#include "launch/profiles/evaluation_budget.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace micon {

int64_t DefaultMemoryBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string name;
    int64_t kib = 0;
    if (fields >> name >> kib && name == "MemAvailable:" && kib > 0) {
      return kib * 1024 / 10 * 8;
    }
  }
  return int64_t{4} << 30;
}

std::string Gigabytes(int64_t bytes) {
  return absl::StrFormat("%.2f GB", static_cast<double>(bytes) / 1e9);
}

absl::StatusOr<int64_t> TileForBudget(const std::string& what, int64_t wells,
                                      int64_t fixed_bytes, int64_t budget_bytes,
                                      TilePrecision precision) {
  const int64_t needed = fixed_bytes + TileBytes(kMinTile, precision);
  if (needed > budget_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, ": evaluating ", wells, " wells needs at least ",
        Gigabytes(needed), " (", Gigabytes(fixed_bytes),
        " for the features and per-well state, ",
        Gigabytes(needed - fixed_bytes),
        " for one similarity tile) but the budget is ", Gigabytes(budget_bytes),
        "; raise --memory-gb on a machine that has it, or evaluate fewer "
        "wells (--held-out-plates)"));
  }
  int64_t tile = kMinTile;
  while (tile < kMaxTile && tile < wells &&
         fixed_bytes + TileBytes(tile + kMinTile, precision) <= budget_bytes) {
    tile += kMinTile;
  }
  return std::min(tile, std::max<int64_t>(wells, 1));
}

}  // namespace micon
