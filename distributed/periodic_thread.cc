#include "distributed/periodic_thread.h"

#include <utility>

namespace micon {

PeriodicThread::PeriodicThread(std::chrono::microseconds period,
                               std::function<void()> tick,
                               std::function<bool()> start)
    : period_(period),
      tick_(std::move(tick)),
      start_(std::move(start)),
      thread_([this] { Run(); }) {}

PeriodicThread::~PeriodicThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Run() {
  if (!start_()) return;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_cv_.wait_for(lock, period_, [this] { return stop_; })) {
    // Unlocked: a tick may take long (a roll call, a host read) or never
    // return (it ends the process), and the destructor must still be able
    // to ask for a stop meanwhile.
    lock.unlock();
    tick_();
    lock.lock();
  }
}

}  // namespace micon
