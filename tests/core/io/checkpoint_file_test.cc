// Checkpoint files: exact round trips of model and optimiser state, retention,
// and damage.
#include "core/io/checkpoint_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "core/mlp.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::HasSubstr;

void Train(Mlp& net, torch::optim::AdamW& opt, int steps, int seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    net->forward(torch::randn({8, 6}, gen)).pow(2).mean().backward();
    opt.step();
  }
}

bool SameParameters(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  for (const auto& p : pa) {
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  }
  return true;
}

TEST(CheckpointFile, ResumingContinuesBitwiseIdentically) {
  const std::string dir = ScratchDir();
  torch::manual_seed(0);
  Mlp straight(MlpOptions{6, {16}, 4});
  Mlp resumed(MlpOptions{6, {16}, 4});
  torch::optim::AdamW straight_opt(straight->parameters(),
                                   torch::optim::AdamWOptions(1e-2));
  Train(straight, straight_opt, 5, 1);

  CheckpointContents c;
  c.step = 5;
  c.model = SaveModuleState(*straight);
  c.optimizer = SaveOptimizerState(straight_opt);
  c.metadata = R"({"sampler_step": 5})";
  MICON_ASSERT_OK(WriteCheckpoint(dir, c, 3));

  std::vector<std::string> warnings;
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents read,
                             ReadLatestCheckpoint(dir, &warnings));
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(read.step, 5);
  EXPECT_EQ(read.metadata, c.metadata);
  torch::optim::AdamW resumed_opt(resumed->parameters(),
                                  torch::optim::AdamWOptions(1e-2));
  MICON_ASSERT_OK(LoadModuleState(read.model, *resumed));
  MICON_ASSERT_OK(LoadOptimizerState(read.optimizer, resumed_opt));
  EXPECT_TRUE(SameParameters(*straight, *resumed));

  Train(straight, straight_opt, 5, 2);
  Train(resumed, resumed_opt, 5, 2);
  EXPECT_TRUE(SameParameters(*straight, *resumed))
      << "optimiser moments were not restored";

  Mlp other(MlpOptions{6, {32}, 4});
  EXPECT_THAT(LoadModuleState(read.model, *other).message(),
              HasSubstr("does not fit"));
}

TEST(CheckpointFile, KeepsTheLastKAndSkipsDamagedOnes) {
  const std::string dir = ScratchDir();
  for (int step : {10, 20, 30, 40}) {
    CheckpointContents c;
    c.step = step;
    c.model = std::string(1000, static_cast<char>(step));
    MICON_ASSERT_OK(WriteCheckpoint(dir, c, 3));
  }
  std::vector<std::string> files = ListCheckpoints(dir);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_THAT(files[0], HasSubstr("step-00000020.ckpt"));

  // A readable checkpoint the caller refuses is skipped like a damaged one.
  std::vector<std::string> refused;
  MICON_ASSERT_OK_AND_ASSIGN(
      CheckpointContents before,
      ReadLatestCheckpoint(dir, &refused, [](const CheckpointContents& x) {
        return x.step == 40 ? absl::DataLossError("refused step 40")
                            : absl::OkStatus();
      }));
  EXPECT_EQ(before.step, 30);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_THAT(refused[0], HasSubstr("refused step 40"));

  // Truncate the newest: the previous one is used, and the warning names the
  // damaged file.
  std::filesystem::resize_file(files[2],
                               std::filesystem::file_size(files[2]) - 100);
  std::vector<std::string> warnings;
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents c,
                             ReadLatestCheckpoint(dir, &warnings));
  EXPECT_EQ(c.step, 30);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("step-00000040.ckpt: truncated"));

  // Flip a byte in the middle of the next: its checksum catches it.
  {
    std::fstream f(files[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(500);
    f.put('!');
  }
  warnings.clear();
  MICON_ASSERT_OK_AND_ASSIGN(c, ReadLatestCheckpoint(dir, &warnings));
  EXPECT_EQ(c.step, 20);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[1], HasSubstr("checksum mismatch"));

  std::ofstream(dir + "/step-00000050.ckpt") << "hello";
  EXPECT_THAT(ReadCheckpoint(dir + "/step-00000050.ckpt").status().message(),
              HasSubstr("not a micon checkpoint"));
  EXPECT_EQ(
      ReadLatestCheckpoint(ScratchDir() + "/none", &warnings).status().code(),
      absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace micon
