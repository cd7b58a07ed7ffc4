// BlockingWatchdog (distributed/mpi/blocking_watchdog.h) without MPI: the
// deadline of an armed call fires once, with its sequence number and limit;
// a call disarmed in time never fires.
#include "distributed/mpi/blocking_watchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace micon {
namespace {

using std::chrono::milliseconds;

struct Fired {
  std::atomic<int> count{0};
  std::atomic<uint64_t> seq{0};
  std::atomic<int64_t> limit_ms{0};
};

BlockingWatchdog::Expired Record(Fired& fired) {
  return [&fired](uint64_t seq, milliseconds limit) {
    fired.seq = seq;
    fired.limit_ms = limit.count();
    ++fired.count;
  };
}

TEST(BlockingWatchdog, AnArmedCallPastItsLimitFiresOnceNamingIt) {
  Fired fired;
  BlockingWatchdog watchdog(Record(fired), milliseconds(5));
  const auto start = std::chrono::steady_clock::now();
  watchdog.Arm(41, milliseconds(100));
  while (fired.count == 0 &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(fired.count, 1);
  EXPECT_EQ(fired.seq, 41u);
  EXPECT_EQ(fired.limit_ms, 100);
  EXPECT_GE(elapsed, milliseconds(100));
  // Still armed, still blocked: it does not fire again for the same call.
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(fired.count, 1);
  watchdog.Disarm();
  // The next call has a deadline of its own.
  watchdog.Arm(42, milliseconds(20));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(fired.count, 2);
  EXPECT_EQ(fired.seq, 42u);
  watchdog.Disarm();
}

TEST(BlockingWatchdog, CallsDisarmedInTimeNeverFire) {
  Fired fired;
  BlockingWatchdog watchdog(Record(fired), milliseconds(5));
  // Many calls, each far shorter than its limit, together far longer.
  for (uint64_t seq = 0; seq < 40; ++seq) {
    watchdog.Arm(seq, milliseconds(60));
    std::this_thread::sleep_for(milliseconds(5));
    watchdog.Disarm();
  }
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(fired.count, 0);
}

}  // namespace
}  // namespace micon
