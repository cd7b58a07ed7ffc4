// PeriodicThread (distributed/periodic_thread.h): ticks repeat until the
// owner is destroyed and never after; a failed start means no tick; the
// destructor waits for a tick in progress and does not wait out a period.
#include "distributed/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace micon {
namespace {

using std::chrono::milliseconds;

TEST(PeriodicThread, TicksRepeatUntilDestroyedAndNeverAfter) {
  std::atomic<int> ticks{0};
  auto thread =
      std::make_unique<PeriodicThread>(milliseconds(2), [&ticks] { ++ticks; });
  const auto start = std::chrono::steady_clock::now();
  while (ticks < 5 &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_GE(ticks, 5);
  thread.reset();
  const int at_stop = ticks;
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(ticks, at_stop);
}

TEST(PeriodicThread, AFailedStartMeansNoTick) {
  std::atomic<int> ticks{0};
  std::atomic<bool> started{false};
  {
    PeriodicThread thread(
        milliseconds(1), [&ticks] { ++ticks; },
        [&started] {
          started = true;
          return false;
        });
    std::this_thread::sleep_for(milliseconds(30));
  }
  EXPECT_TRUE(started);
  EXPECT_EQ(ticks, 0);
}

TEST(PeriodicThread, DestructionWaitsForTheTickInProgress) {
  std::atomic<bool> in_tick{false}, tick_finished{false};
  {
    PeriodicThread thread(milliseconds(1), [&] {
      if (tick_finished) return;
      in_tick = true;
      std::this_thread::sleep_for(milliseconds(100));
      tick_finished = true;
    });
    while (!in_tick) std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_TRUE(tick_finished);
}

TEST(PeriodicThread, DestructionDoesNotWaitOutThePeriod) {
  const auto start = std::chrono::steady_clock::now();
  {
    PeriodicThread thread(std::chrono::hours(1), [] {});
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

}  // namespace
}  // namespace micon
