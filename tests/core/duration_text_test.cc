#include "core/duration_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace micon {
namespace {

TEST(FormatDuration, SecondsMinutesHours) {
  EXPECT_EQ(FormatDuration(12.54), "12.5s");
  EXPECT_EQ(FormatDuration(252), "4m12s");
  EXPECT_EQ(FormatDuration(3599.6), "1h00m");
  EXPECT_EQ(FormatDuration(3780), "1h03m");
  EXPECT_EQ(FormatDuration(-1), "?");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::infinity()), "?");
}

}  // namespace
}  // namespace micon
