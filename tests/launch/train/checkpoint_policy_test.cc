// When a run checkpoints: the last step, a stop signal, every N steps, and
// rank 0's clock.
#include "launch/train/checkpoint_policy.h"

#include <gtest/gtest.h>

namespace micon {
namespace {

using Clock = CheckpointPolicy::Clock;

TEST(CheckpointPolicy, StepsStopAndTheLastStep) {
  CheckpointSection options;
  options.every_steps = 4;
  options.every_minutes = 0;  // not by time
  const CheckpointPolicy policy(options, /*total_steps=*/10);
  EXPECT_FALSE(policy.TimeDue());
  EXPECT_FALSE(policy.Due(3, false, false));
  EXPECT_TRUE(policy.Due(4, false, false));
  EXPECT_TRUE(policy.Due(8, false, false));
  EXPECT_TRUE(policy.Due(10, false, false));  // the end
  EXPECT_TRUE(policy.Due(5, /*stop=*/true, false));
  EXPECT_TRUE(policy.Due(5, false, /*time_vote=*/true));
  options.every_steps = 0;
  EXPECT_FALSE(CheckpointPolicy(options, 10).Due(4, false, false));
}

TEST(CheckpointPolicy, TheClockCountsFromTheLastSave) {
  Clock::time_point now{};
  CheckpointSection options;
  options.every_minutes = 2;
  CheckpointPolicy policy(options, 100, [&now] { return now; });
  now += std::chrono::seconds(119);
  EXPECT_FALSE(policy.TimeDue());
  now += std::chrono::seconds(1);
  EXPECT_TRUE(policy.TimeDue());
  policy.Saved();
  EXPECT_FALSE(policy.TimeDue());
  now += std::chrono::minutes(2);
  EXPECT_TRUE(policy.TimeDue());
}

}  // namespace
}  // namespace micon
