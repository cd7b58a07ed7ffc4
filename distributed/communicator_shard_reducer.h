// communicator_shard_reducer.h: core's ShardReducer over a Communicator, so
// that `micon evaluate` under mpirun or srun splits the similarity tiles over
// ranks (core/metrics/shard_reducer.h).
//
//   CommunicatorShardReducer shards(*dist.comm);
//   QueryRanks r = StreamReplicateRanks(x, roles, tiles, shards);
//
// A failed collective throws (as TORCH_CHECK does), naming the operation;
// main's catch site aborts the world so that no rank waits for it.
#ifndef MICON_DISTRIBUTED_COMMUNICATOR_SHARD_REDUCER_H_
#define MICON_DISTRIBUTED_COMMUNICATOR_SHARD_REDUCER_H_

#include <cstdint>
#include <vector>

#include "core/metrics/shard_reducer.h"
#include "distributed/communicator.h"

namespace micon {

class CommunicatorShardReducer final : public ShardReducer {
 public:
  // The communicator must be a CPU one (threads, MPI).
  explicit CommunicatorShardReducer(Communicator& comm) : comm_(comm) {}
  int shard() const override { return comm_.rank(); }
  int shards() const override { return comm_.world_size(); }
  void Sum(std::vector<int64_t>& counts) override;
  void Concatenate(std::vector<double>& values) override;

 private:
  Communicator& comm_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_COMMUNICATOR_SHARD_REDUCER_H_
