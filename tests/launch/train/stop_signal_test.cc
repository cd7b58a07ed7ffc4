// StopSignals: a preemption's signal is recorded, and Reassert repairs what a
// library started after the handlers (CUDA, NCCL, MPI) did to them.
#include "launch/train/stop_signal.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <csignal>

namespace micon {
namespace {

TEST(StopSignals, RecordsSigusr1WithoutEndingTheProcess) {
  StopSignals signals;
  EXPECT_TRUE(signals.Reassert().empty());
  EXPECT_FALSE(signals.requested());
  ASSERT_EQ(std::raise(SIGUSR1), 0);
  EXPECT_TRUE(signals.requested());
  EXPECT_EQ(signals.signal(), SIGUSR1);
}

TEST(StopSignals, ReassertPutsBackAReplacedHandlerAndUnblocksABlockedSignal) {
  StopSignals signals;
  // What a library may do after micon installed its handlers.
  std::signal(SIGUSR1, SIG_IGN);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, nullptr), 0);

  const std::vector<std::string> repaired = signals.Reassert();
  ASSERT_EQ(repaired.size(), 2u);
  EXPECT_NE(repaired[0].find("SIGTERM was blocked"), std::string::npos)
      << repaired[0];
  EXPECT_NE(repaired[1].find("SIGUSR1's handler was replaced"),
            std::string::npos)
      << repaired[1];
  EXPECT_TRUE(signals.Reassert().empty());

  // Repaired: the signal a preemption sends is recorded again.
  ASSERT_EQ(std::raise(SIGUSR1), 0);
  EXPECT_TRUE(signals.requested());
  EXPECT_EQ(signals.signal(), SIGUSR1);
}

TEST(StopSignals, RestoresThePreviousHandlersWhenDestroyed) {
  std::signal(SIGUSR1, SIG_IGN);
  { StopSignals signals; }
  struct sigaction current {};
  sigaction(SIGUSR1, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_IGN);
  std::signal(SIGUSR1, SIG_DFL);
}

}  // namespace
}  // namespace micon
