#include "launch/profiles/evaluation_budget.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace micon {

MemoryBudget DefaultMemoryBudget(int ranks_on_node, const std::string& root) {
  const int ranks = std::max(ranks_on_node, 1);
  const std::string shared =
      ranks > 1 ? absl::StrCat(", shared by the ", ranks, " ranks on this node")
                : "";
  const std::optional<AvailableMemory> available = ReadAvailableMemory(root);
  if (!available) {
    return {(int64_t{4} << 30) / ranks,
            absl::StrCat("4 GiB: no memory limit could be read", shared)};
  }
  return {available->bytes / 10 * 8 / ranks,
          absl::StrCat("80% of ", available->source, shared)};
}

absl::StatusOr<int64_t> TileForBudget(const std::string& what, int64_t wells,
                                      int64_t fixed_bytes,
                                      const MemoryBudget& budget,
                                      TilePrecision precision) {
  const int64_t budget_bytes = budget.bytes;
  const int64_t needed = fixed_bytes + TileBytes(kMinTile, precision);
  if (needed > budget_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, ": evaluating ", wells, " wells needs at least ",
        Gigabytes(needed), " (", Gigabytes(fixed_bytes),
        " for the features and per-well state, ",
        Gigabytes(needed - fixed_bytes),
        " for one similarity tile) but the budget is ", Gigabytes(budget_bytes),
        " (", budget.source,
        "); raise --memory-gb on a machine that has it, start fewer ranks "
        "per node, or evaluate fewer wells (--held-out-plates)"));
  }
  int64_t tile = kMinTile;
  while (tile < kMaxTile && tile < wells &&
         fixed_bytes + TileBytes(tile + kMinTile, precision) <= budget_bytes) {
    tile += kMinTile;
  }
  return std::min(tile, std::max<int64_t>(wells, 1));
}

}  // namespace micon
