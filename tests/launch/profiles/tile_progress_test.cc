#include "launch/profiles/tile_progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace micon {
namespace {

using ::testing::HasSubstr;

TEST(TileProgressText, TimeLeftFromTheTilesAfterTheFirst) {
  // 3 tiles in 30 s after the first: 10 s each, 6 left.
  EXPECT_EQ(TileProgressText(4, 10, 30),
            "tile 4 of 10 (40%), 30.0s, about "
            "1m00s left");
  EXPECT_EQ(TileProgressText(1, 1, 0),
            "tile 1 of 1 (100%), 0.0s, about 0.0s "
            "left");
}

TEST(TileProgressLog, SilentWhenOff) {
  EXPECT_EQ(TileProgressLog("m", 0).Sweep("p"), nullptr);
}

TEST(TileProgressLog, WritesTheSweepsLineOnStderr) {
  const auto sweep = TileProgressLog("screen.h5", 1e-9).Sweep("ranks");
  ::testing::internal::CaptureStderr();
  sweep(1, 4);
  sweep(2, 4);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              HasSubstr("micon: screen.h5: ranks: tile 2 of 4 (50%)"));
}

}  // namespace
}  // namespace micon
