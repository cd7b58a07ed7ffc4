#include "data/plate_sharding.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace micon {

absl::StatusOr<std::vector<std::vector<size_t>>> ShardPlates(
    const std::vector<PlateMetadata>& plates, int world_size) {
  if (world_size < 1)
    return absl::InvalidArgumentError("world size must be >= 1");
  if (static_cast<int>(plates.size()) < world_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot shard ", plates.size(), " plates over ", world_size,
        " ranks: every rank needs at least one plate (use fewer ranks or more "
        "plates)"));
  }
  std::vector<size_t> order(plates.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::make_tuple(-plates[a].num_images(), plates[a].header.plate) <
           std::make_tuple(-plates[b].num_images(), plates[b].header.plate);
  });
  std::vector<std::vector<size_t>> shards(world_size);
  std::vector<int64_t> images(world_size, 0);
  std::vector<std::map<std::string, int>> per_batch(world_size),
      per_source(world_size);
  for (size_t p : order) {
    const PlateHeader& h = plates[p].header;
    const std::string batch = h.source + "/" + h.batch;
    int best = 0;
    auto key = [&](int r) {
      return std::make_tuple(images[r], per_batch[r][batch],
                             per_source[r][h.source], shards[r].size(), r);
    };
    for (int r = 1; r < world_size; ++r) {
      if (key(r) < key(best)) best = r;
    }
    shards[best].push_back(p);
    images[best] += plates[p].num_images();
    ++per_batch[best][batch];
    ++per_source[best][h.source];
  }
  for (auto& s : shards) std::sort(s.begin(), s.end());
  return shards;
}

}  // namespace micon
