// LogLine (core/log_line.h): every stderr line about a process has one
// shape, with the rank and world where there are ranks to tell apart.
#include "core/log_line.h"

#include <gtest/gtest.h>

#include <string>

namespace micon {
namespace {

TEST(LogLine, NamesTheRankAndWorldWhereThereAreRanks) {
  EXPECT_EQ(LogLine("error", "rank 1: all_reduce #3 timed out", 1, 4),
            "micon [rank 1/4] error: rank 1: all_reduce #3 timed out");
  EXPECT_EQ(LogLine("warning", "loss is NaN", 0, 2),
            "micon [rank 0/2] warning: loss is NaN");
}

TEST(LogLine, AWorldOfOneHasNoRankToName) {
  EXPECT_EQ(LogLine("error", "cannot open a.h5", 0, 1),
            "micon error: cannot open a.h5");
}

TEST(LogLine, WriteLogLineWritesOneWholeLineToStderr) {
  ::testing::internal::CaptureStderr();
  WriteLogLine("error", "NCCL aborted: rank 2 stalled", 3, 8);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "micon [rank 3/8] error: NCCL aborted: rank 2 stalled\n");
}

}  // namespace
}  // namespace micon
