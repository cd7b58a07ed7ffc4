// backoff.h: how micon waits for what another party completes (an MPI
// request, an NCCL event or initialisation): back-to-back polls for a few
// microseconds, then polls that yield the core for a short phase, then sleeps
// that double up to a ceiling.
//
//   Backoff backoff;
//   while (!Done()) { if (PastDeadline()) return ...; backoff.Pause(); }
//
// Why the yielding phase: a collective whose ranks arrive together (the
// ~80 small all-reduces of a synchronised BatchNorm step) completes within
// microseconds, and the shortest sleep Linux grants is ~60 us of timer
// slack. With sleeps from the first pause, micon's 64-float all-reduce took
// 180 us at np 2 against 1.2 us for a bare MPI_Allreduce (docs/PERFORMANCE.md,
// "Collectives"). Yielding rather than spinning lets ranks that share cores
// (mpirun --oversubscribe) and the loader's threads run; the sleeping phase
// keeps a rank that waits long (a peer still in backward) off the CPU. Why
// the first polls do not even yield: a sched_yield costs about 1.5 us on the
// development VM, as much as a whole small MPI_Iallreduce, and polling
// through yields made one take 6.3 us instead of 1.5 us.
#ifndef MICON_DISTRIBUTED_BACKOFF_H_
#define MICON_DISTRIBUTED_BACKOFF_H_

#include <algorithm>
#include <chrono>
#include <thread>

namespace micon {

class Backoff {
 public:
  explicit Backoff(
      std::chrono::microseconds yielding = std::chrono::milliseconds(2),
      std::chrono::microseconds max_sleep = std::chrono::milliseconds(1),
      std::chrono::microseconds spinning = std::chrono::microseconds(20))
      : spin_until_(std::chrono::steady_clock::now() + spinning),
        yield_until_(spin_until_ + yielding),
        max_sleep_(max_sleep) {}

  void Pause() {
    const auto now = std::chrono::steady_clock::now();
    if (now < spin_until_) return;
    if (now < yield_until_) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(sleep_);
    sleep_ = std::min(sleep_ * 2, max_sleep_);
  }

 private:
  const std::chrono::steady_clock::time_point spin_until_, yield_until_;
  const std::chrono::microseconds max_sleep_;
  std::chrono::microseconds sleep_{50};
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_BACKOFF_H_
