// Learning-rate schedules: warmup + cosine, and PyTorch's ReduceLROnPlateau.
#include "core/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

namespace micon {
namespace {

TEST(LrSchedule, WarmupThenCosineToTheFloor) {
  LrScheduleOptions o;
  o.lr = 1.0;
  o.min_lr = 0.1;
  o.warmup_steps = 4;
  o.total_steps = 14;
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.LearningRate(0), 0.25);
  EXPECT_DOUBLE_EQ(s.LearningRate(3), 1.0);
  EXPECT_DOUBLE_EQ(s.LearningRate(4), 1.0);     // cosine starts at the peak
  EXPECT_NEAR(s.LearningRate(9), 0.55, 1e-12);  // half way
  EXPECT_NEAR(s.LearningRate(14), 0.1, 1e-12);
  EXPECT_NEAR(s.LearningRate(100), 0.1, 1e-12);  // a run extended past its end
}

TEST(LrSchedule, PlateauFollowsPyTorchsReduceLROnPlateau) {
  // Expected values printed by Debian's python3-torch 1.13:
  //   ReduceLROnPlateau(SGD(lr=1), factor=0.5, patience=1, threshold=0.1,
  //   cooldown=1, min_lr=0.2), .step(mean) once per window mean below.
  LrScheduleOptions o;
  o.kind = ScheduleKind::kPlateau;
  o.lr = 1.0;
  o.min_lr = 0.2;
  o.plateau_factor = 0.5;
  o.plateau_patience = 1;
  o.plateau_threshold = 0.1;
  o.plateau_cooldown = 1;
  o.plateau_window = 2;
  LrSchedule s(o);
  const double means[] = {10, 9.5, 9.4, 9.3, 9.2, 9.1, 9.0, 8.9, 8.8, 1.0};
  const double expected[] = {1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25};
  int64_t step = 0;
  for (int w = 0; w < 10; ++w) {
    // Two steps per window with the window's mean.
    s.ObserveLoss(step++, means[w] + 0.5);
    EXPECT_DOUBLE_EQ(s.LearningRate(step), w == 0 ? 1.0 : expected[w - 1]);
    s.ObserveLoss(step++, means[w] - 0.5);
    EXPECT_DOUBLE_EQ(s.LearningRate(step), expected[w]) << "window " << w;
  }
  EXPECT_EQ(s.state().reductions, 2);
}

TEST(LrSchedule, RestoredStateContinuesIdentically) {
  LrScheduleOptions o;
  o.kind = ScheduleKind::kPlateau;
  o.plateau_patience = 0;
  o.plateau_window = 3;
  LrSchedule a(o);
  for (int64_t i = 0; i < 10; ++i) a.ObserveLoss(i, 5.0 + std::sin(i));
  LrSchedule b(o);
  b.Restore(a.state());
  for (int64_t i = 10; i < 40; ++i) {
    a.ObserveLoss(i, 5.0 + std::sin(i));
    b.ObserveLoss(i, 5.0 + std::sin(i));
    EXPECT_EQ(a.LearningRate(i), b.LearningRate(i));
  }
  EXPECT_GT(a.state().reductions, 0);
}

TEST(LrSchedule, KindsParseByName) {
  EXPECT_EQ(ParseEnum(kScheduleKindNames, "plateau"), ScheduleKind::kPlateau);
  EXPECT_FALSE(ParseEnum(kScheduleKindNames, "step").has_value());
}

}  // namespace
}  // namespace micon
