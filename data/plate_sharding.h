// plate_sharding.h: which plates each rank reads.
//
//   MICON_ASSIGN_OR_RETURN(auto shards,
//                          ShardPlates(store.plates, /*world_size=*/4));
//   const std::vector<size_t>& mine = shards[rank];  // indices into store.plates
//
// Balanced by image count (largest plates first, each to the rank with the
// fewest images so far) and mixed across batches and sources (ties go to the
// rank holding the fewest plates of that batch, then of that source).
// Deterministic: every rank computes the same answer on its own, with no
// communication. A world larger than the number of plates is an error.
#ifndef MICON_DATA_PLATE_SHARDING_H_
#define MICON_DATA_PLATE_SHARDING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "data/plate.h"

namespace micon {

absl::StatusOr<std::vector<std::vector<size_t>>> ShardPlates(
    const std::vector<PlateMetadata>& plates, int world_size);

}  // namespace micon

#endif  // MICON_DATA_PLATE_SHARDING_H_
