// The step's statistics all-reduce: every rank ends with the global loss, the
// parts the objective has, the global sample count and the votes, on thread
// ranks of 1 to 4.
#include "launch/train/step_stats.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/distributed/thread_ranks.h"

namespace micon {
namespace {

class StepStatsOnRanks : public ::testing::TestWithParam<int> {};

TEST_P(StepStatsOnRanks, SumsSharesAndCountsVotes) {
  const int world = GetParam();
  testing::RunOnThreadRanks(world, [world](Communicator& comm) {
    const int r = comm.rank();
    // A MICON step: total and its two parts; rank r's shares are r + 1 etc.
    LossParts parts;
    parts.total = torch::tensor(r + 1.0);
    parts.paclr = torch::tensor(0.5 * (r + 1));
    parts.counterfactual = torch::tensor(0.25 * (r + 1));
    StepVotes votes;
    votes.samples = 4;
    votes.images = 4 * 4 + r;     // rank r's entries take 16 images, and r more
    votes.stop = r == world - 1;  // the last rank got a signal
    votes.checkpoint_time = false;
    absl::StatusOr<StepStats> s = AgreeOnStep(comm, parts, votes);
    ASSERT_TRUE(s.ok()) << s.status();
    const double n = world * (world + 1) / 2.0;
    EXPECT_DOUBLE_EQ(s->loss, n);
    ASSERT_EQ(s->parts.size(), 2u);
    EXPECT_EQ(s->parts[0].name, "paclr");
    EXPECT_DOUBLE_EQ(s->parts[0].value, 0.5 * n);
    EXPECT_EQ(s->parts[1].name, "counterfactual");
    EXPECT_DOUBLE_EQ(s->parts[1].value, 0.25 * n);
    EXPECT_DOUBLE_EQ(s->samples, 4.0 * world);
    EXPECT_DOUBLE_EQ(s->images, 16.0 * world + world * (world - 1) / 2.0);
    EXPECT_TRUE(s->stop);
    EXPECT_FALSE(s->checkpoint_time);

    // A CLIP step has one part; rank 0's clock vote reaches every rank.
    LossParts clip;
    clip.total = torch::tensor(1.0);
    clip.clip = torch::tensor(1.0);
    s = AgreeOnStep(comm, clip, {1, 1, false, r == 0});
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_EQ(s->parts.size(), 1u);
    EXPECT_EQ(s->parts[0].name, "clip");
    EXPECT_DOUBLE_EQ(s->parts[0].value, world);
    EXPECT_FALSE(s->stop);
    EXPECT_TRUE(s->checkpoint_time);
  });
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, StepStatsOnRanks, ::testing::Range(1, 5),
                         [](const auto& info) {
                           return "np" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace micon
