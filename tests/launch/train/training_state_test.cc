// What a checkpoint holds besides tensors, and the metrics log a resumed run
// continues.
#include "launch/train/training_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "core/io/rng_state.h"
#include "launch/train/metrics_log.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(TrainingState, RoundTripsExactly) {
  TrainingState s;
  s.step = 1234;
  s.world_size = 2;
  s.config_yaml = "run:\n  dir: x\n";
  s.schedule.plateau_lr = 0.1 / 3;  // not exactly representable in decimal
  s.schedule.best = 1.0 / 7;
  s.schedule.has_best = true;
  s.schedule.window_sum = 123.456789012345678;
  s.schedule.window_count = 3;
  s.model_checksum = 0xfedcba9876543210ull;
  s.ranks = {{{7, 1234}, std::string("\0\1\2\xff", 4)}, {{7, 1234}, "abc"}};
  MICON_ASSERT_OK_AND_ASSIGN(TrainingState back,
                             DecodeTrainingState(EncodeTrainingState(s), "x"));
  EXPECT_EQ(back.step, 1234);
  EXPECT_EQ(back.schedule.plateau_lr, s.schedule.plateau_lr);
  EXPECT_EQ(back.schedule.best, s.schedule.best);
  EXPECT_EQ(back.schedule.window_sum, s.schedule.window_sum);
  EXPECT_EQ(back.model_checksum, s.model_checksum);
  ASSERT_EQ(back.ranks.size(), 2u);
  EXPECT_EQ(back.ranks[0].rng, s.ranks[0].rng);
  EXPECT_EQ(back.ranks[1].sampler.seed, 7u);
  EXPECT_EQ(back.config_yaml, s.config_yaml);
}

TEST(TrainingState, DamageIsReportedWithTheOrigin) {
  EXPECT_THAT(
      std::string(
          DecodeTrainingState("{", "ck/step-1.ckpt").status().message()),
      HasSubstr("ck/step-1.ckpt"));
  TrainingState s;
  s.world_size = 2;
  s.ranks = {{}};  // one entry for two ranks
  EXPECT_THAT(
      std::string(
          DecodeTrainingState(EncodeTrainingState(s), "c").status().message()),
      HasSubstr("1 rank entries for world size 2"));
}

TEST(RngState, RestoringReplaysTheSameDraws) {
  torch::manual_seed(3);
  torch::randn({5});
  const std::string saved = CaptureRngState(torch::kCPU);
  const torch::Tensor first = torch::randn({8});
  torch::randn({100});
  MICON_ASSERT_OK(RestoreRngState(saved, torch::kCPU));
  EXPECT_TRUE(torch::equal(torch::randn({8}), first));
  EXPECT_FALSE(RestoreRngState(saved.substr(0, 10), torch::kCPU).ok());
}

// A GPU rank's state holds the CPU generator and its own GPU's, never every
// GPU of the node; on a CPU rank it is refused, naming both.
TEST(RngState, AGpuRanksStateIsRefusedOnCpu) {
  std::string gpu_rank = CaptureRngState(torch::kCPU);
  const uint32_t two = 2;
  gpu_rank.replace(0, sizeof(two), reinterpret_cast<const char*>(&two),
                   sizeof(two));
  const uint32_t size = 4;
  gpu_rank.append(reinterpret_cast<const char*>(&size), sizeof(size));
  gpu_rank.append("abcd");
  const absl::Status s = RestoreRngState(gpu_rank, torch::kCPU);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("2 generator(s) (CPU + a GPU)"),
                    HasSubstr("this rank computes on cpu")));
}

TEST(MetricsLog, ResumingDropsTheStepsAfterTheCheckpoint) {
  const std::string path = ScratchDir() + "/metrics.jsonl";
  {
    MICON_ASSERT_OK_AND_ASSIGN(MetricsLog log, MetricsLog::Open(path, 0));
    for (int step = 1; step <= 6; ++step) {
      MICON_ASSERT_OK(log.Append({{"step", step}, {"loss", 1.0 / step}}));
    }
  }
  std::ofstream(path, std::ios::app)
      << "{\"step\": 7, \"lo";  // killed mid-line
  {
    MICON_ASSERT_OK_AND_ASSIGN(MetricsLog log, MetricsLog::Open(path, 4));
    MICON_ASSERT_OK(log.Append({{"step", 5}, {"loss", 0.5}}));
  }
  MICON_ASSERT_OK_AND_ASSIGN(auto records, ReadMetrics(path));
  ASSERT_EQ(records.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(records[i]["step"], i + 1);
  EXPECT_EQ(records[2]["loss"].get<double>(), 1.0 / 3);  // exact round trip
  EXPECT_EQ(records[4]["loss"].get<double>(), 0.5);
}

}  // namespace
}  // namespace micon
