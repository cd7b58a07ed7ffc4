// shard_reducer.h: how the shards of a streamed evaluation combine what each
// counted, without core/ knowing who the shards are (threads of one process,
// MPI ranks: launch/ supplies the collective).
//
//   CommunicatorShardReducer shards(comm);  // distributed/
//   QueryRanks r = StreamReplicateRanks(x, roles, tiles, shards);
//
// The streaming functions set TileOptions::shard and ::shards from the
// reducer. Every streamed metric's state is a sum of counts over the pairs visited,
// plus exact similarities kept near a boundary, so a shard that visits only
// its own tiles and combines its state with the others' by Sum and
// Concatenate ends with the state of one process that visited every tile:
// the same integers and the same exact values, hence the same results, bit
// for bit. Every shard calls the same reductions in the same order, with
// vectors of the same length for Sum.
#ifndef MICON_CORE_METRICS_SHARD_REDUCER_H_
#define MICON_CORE_METRICS_SHARD_REDUCER_H_

#include <cstdint>
#include <vector>

namespace micon {

class ShardReducer {
 public:
  virtual ~ShardReducer() = default;
  // Which share of the tiles this process visits (TileOptions::shard).
  virtual int shard() const = 0;
  virtual int shards() const = 0;
  // In place: the element-wise sum over every shard's `counts`.
  virtual void Sum(std::vector<int64_t>& counts) = 0;
  // In place: every shard's `values`, concatenated in shard order.
  virtual void Concatenate(std::vector<double>& values) = 0;
};

// One shard: nothing to combine.
class SingleShard final : public ShardReducer {
 public:
  int shard() const override { return 0; }
  int shards() const override { return 1; }
  void Sum(std::vector<int64_t>&) override {}
  void Concatenate(std::vector<double>&) override {}
};

}  // namespace micon

#endif  // MICON_CORE_METRICS_SHARD_REDUCER_H_
