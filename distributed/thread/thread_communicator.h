// thread_communicator.h: N ranks as N threads of one process (gloo's test
// style). Used by the multi-rank tests and as the world-1 backend; collectives
// complete inside the call.
//
//   ThreadWorld world(4);
//   // on thread r:
//   std::unique_ptr<Communicator> comm = world.Join(r);
//
// Each collective is a rendezvous: a rank that waits longer than the timeout
// fails with DeadlineExceeded naming the ranks that never arrived, and the
// world is then aborted so every other rank fails fast instead of waiting.
// Reductions run in rank order, so every rank gets bitwise identical results.
// Tensors are CPU tensors, except at world 1, where a tensor on any device is
// taken (a single GPU trains with this backend; every collective is a copy).
#ifndef MICON_DISTRIBUTED_THREAD_THREAD_COMMUNICATOR_H_
#define MICON_DISTRIBUTED_THREAD_THREAD_COMMUNICATOR_H_

#include <memory>

#include "distributed/communicator.h"

namespace micon {

class ThreadWorld {
 public:
  explicit ThreadWorld(int world_size, CommunicatorOptions options = {});
  ~ThreadWorld();
  ThreadWorld(const ThreadWorld&) = delete;
  ThreadWorld& operator=(const ThreadWorld&) = delete;

  // Rank `rank`'s communicator; the world must outlive it.
  std::unique_ptr<Communicator> Join(int rank);
  int world_size() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_THREAD_THREAD_COMMUNICATOR_H_
