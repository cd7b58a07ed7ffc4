// periodic_thread.h: a thread that does one thing every period until its
// owner is destroyed: the loop shared by micon's watchdogs (the MPI
// backend's deadline of a blocking collective, the NCCL communicator's
// settling of collectives in flight).
//
//   PeriodicThread thread(std::chrono::milliseconds(50), [this] { Check(); });
//
// Threading: `start` and every `tick` run on the thread, one after another,
// never concurrently with each other; the destructor waits for a tick in
// progress to return, so a tick may use its owner's members as long as the
// PeriodicThread is declared after them (destroyed first).
#ifndef MICON_DISTRIBUTED_PERIODIC_THREAD_H_
#define MICON_DISTRIBUTED_PERIODIC_THREAD_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace micon {

class PeriodicThread {
 public:
  // `start` runs once, first, on the thread; if it returns false the thread
  // ends without a tick. A stop is noticed within one period.
  PeriodicThread(
      std::chrono::microseconds period, std::function<void()> tick,
      std::function<bool()> start = [] { return true; });
  ~PeriodicThread();  // stops and joins; never throws
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  void Run();

  const std::chrono::microseconds period_;
  const std::function<void()> tick_;
  const std::function<bool()> start_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_PERIODIC_THREAD_H_
