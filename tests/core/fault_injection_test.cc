#include "core/fault_injection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace micon {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(FaultInjection, ParsesKindStepAndRank) {
  absl::StatusOr<std::vector<Fault>> faults =
      ParseFaults("nan-gradient@3,hang@5:2,checkpoint-write-pause@4");
  ASSERT_TRUE(faults.ok()) << faults.status();
  ASSERT_EQ(faults->size(), 3u);
  EXPECT_EQ((*faults)[0].kind, FaultKind::kNanGradient);
  EXPECT_EQ((*faults)[0].step, 3);
  EXPECT_EQ((*faults)[0].rank, 0);
  EXPECT_EQ((*faults)[1].kind, FaultKind::kHang);
  EXPECT_EQ((*faults)[1].step, 5);
  EXPECT_EQ((*faults)[1].rank, 2);
  EXPECT_EQ((*faults)[2].kind, FaultKind::kCheckpointWritePause);
  EXPECT_TRUE(ParseFaults("")->empty());
}

TEST(FaultInjection, BadEntriesAreNamed) {
  for (const char* bad : {"nan-gradient", "nan@3", "hang@0", "hang@x",
                          "hang@2:-1", "hang@2:1:3", "hang@2@3"}) {
    const absl::Status s =
        ParseFaults(std::string("nan-loss@1,") + bad).status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bad;
    EXPECT_THAT(s.message(),
                AllOf(HasSubstr(std::string("'") + bad + "'"),
                      HasSubstr("KIND@STEP[:RANK]"), HasSubstr("nan-gradient")))
        << bad;
  }
}

TEST(FaultInjection, NothingIsRequestedWithoutTheVariable) {
  // ctest runs this test without MICON_FAULT.
  ASSERT_EQ(std::getenv("MICON_FAULT"), nullptr);
  EXPECT_FALSE(FaultRequested(FaultKind::kNanGradient, 1, 0));
  EXPECT_FALSE(FaultRequested(FaultKind::kHang, 1, 0));
}

}  // namespace
}  // namespace micon
