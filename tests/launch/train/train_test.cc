// `micon train` end to end, as users run it: world 1 for every objective and
// both inputs, damaged checkpoints, and refusals that protect a run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/io/checkpoint_file.h"
#include "launch/train/metrics_log.h"
#include "launch/train/training_state.h"
#include "tests/launch/train/train_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

class TrainObjective : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainObjective, ImagesTrainAndWriteTheRunDirectory) {
  const std::string run = ScratchDir() + "/run";
  const testing::CommandResult r =
      RunCommand(testing::TrainCommand(run, testing::SmallImageDataset(), 3) +
                 " --set loss.objective=" + GetParam());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("step 3/3"), HasSubstr("samples/s"),
                              HasSubstr("images/s"), HasSubstr("data-wait"),
                              HasSubstr("ETA")));
  MICON_ASSERT_OK_AND_ASSIGN(auto records, ReadMetrics(run + "/metrics.jsonl"));
  ASSERT_EQ(records.size(), 3u);
  const std::map<std::string, std::vector<std::string>> parts = {
      {"micon", {"paclr", "counterfactual"}},
      {"paclr", {"paclr"}},
      {"simclr", {"simclr"}},
      {"clip", {"clip"}}};
  // Encoder images per sample: 2 treated and 2 control views per MICON or
  // PaCLR entry, 2 views per SimCLR image, 1 per CLIP image.
  const std::map<std::string, double> images_per_sample = {
      {"micon", 4}, {"paclr", 4}, {"simclr", 2}, {"clip", 1}};
  for (const auto& record : records) {
    EXPECT_TRUE(std::isfinite(record["loss"].get<double>()));
    for (const std::string& part : parts.at(GetParam())) {
      EXPECT_TRUE(record.contains(part)) << part;
    }
    EXPECT_GT(record["samples"].get<double>(), 0);
    EXPECT_EQ(
        record["images"].get<double>(),
        images_per_sample.at(GetParam()) * record["samples"].get<double>());
  }
  EXPECT_TRUE(std::filesystem::exists(run + "/config.yaml"));
  EXPECT_TRUE(std::filesystem::exists(run + "/checkpoints/step-00000003.ckpt"));
  EXPECT_GT(std::filesystem::file_size(run + "/loss.png"), 1000u);
}

INSTANTIATE_TEST_SUITE_P(Objectives, TrainObjective,
                         ::testing::Values("micon", "paclr", "simclr", "clip"));

// data.augment_on device: the loader ships raw crops and the trainer's device
// (here the CPU) makes the views; the run computes what the loader's views
// give, to float rounding.
TEST(Train, ViewsMadeOnTheDeviceTrainAsTheLoadersDo) {
  const std::string dir = ScratchDir();
  std::vector<std::vector<nlohmann::json>> runs;
  for (const std::string on : {"loader", "device"}) {
    const testing::CommandResult r = RunCommand(
        testing::TrainCommand(dir + "/" + on, testing::SmallImageDataset(), 3) +
        " --set data.augment_on=" + on);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    MICON_ASSERT_OK_AND_ASSIGN(auto records,
                               ReadMetrics(dir + "/" + on + "/metrics.jsonl"));
    runs.push_back(records);
  }
  ASSERT_EQ(runs[0].size(), 3u);
  ASSERT_EQ(runs[1].size(), 3u);
  for (size_t s = 0; s < 3; ++s) {
    const double a = runs[0][s]["loss"].get<double>();
    const double b = runs[1][s]["loss"].get<double>();
    EXPECT_NEAR(b, a, 1e-4 * std::abs(a)) << "step " << s + 1;
  }
}

TEST(Train, ProfilesTrainWithEveryObjective) {
  const std::string csv = testing::SmallProfileTable();
  for (const std::string objective : {"micon", "simclr", "clip"}) {
    const std::string run = ScratchDir() + "/run-" + objective;
    const testing::CommandResult r =
        RunCommand(testing::TrainCommand(run, csv, 4) +
                   " --set data.input=profiles --set data.split=all"
                   " --set loss.objective=" +
                   objective);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("training " + objective + " on profiles"));
    MICON_ASSERT_OK_AND_ASSIGN(auto records,
                               ReadMetrics(run + "/metrics.jsonl"));
    EXPECT_EQ(records.size(), 4u);
  }
}

TEST(Train, DamagedNewestCheckpointResumesFromThePreviousOne) {
  const std::string run = ScratchDir() + "/run";
  const std::string base =
      testing::TrainCommand(run, testing::SmallImageDataset(), 4) +
      " --set checkpoint.every_steps=2";
  testing::CommandResult r = RunCommand(base);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  MICON_ASSERT_OK_AND_ASSIGN(auto straight,
                             ReadMetrics(run + "/metrics.jsonl"));
  const std::string newest = run + "/checkpoints/step-00000004.ckpt";
  std::filesystem::resize_file(newest, std::filesystem::file_size(newest) / 2);
  // `micon checkpoints` verifies every file and names the one to resume from.
  r = RunCommand(testing::MiconBinary() + " checkpoints " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("step-00000004.ckpt DAMAGED"),
                    HasSubstr("--resume latest continues from step 2 (" + run +
                              "/checkpoints/step-00000002.ckpt)")));
  r = RunCommand(base + " --set train.steps=6 --resume latest");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("step-00000004.ckpt"), HasSubstr("truncated"),
                    HasSubstr("resumed from " + run +
                              "/checkpoints/step-00000002.ckpt at step 2")));
  MICON_ASSERT_OK_AND_ASSIGN(auto resumed, ReadMetrics(run + "/metrics.jsonl"));
  ASSERT_EQ(resumed.size(), 6u);
  // Step 3 was redone from the step-2 checkpoint: the same loss exactly. (From
  // step 4 on the runs differ: a 6-step cosine schedule gives step 3 another
  // learning rate than the 4-step one did.)
  EXPECT_EQ(resumed[2]["loss"].get<double>(),
            straight[2]["loss"].get<double>());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(resumed[i]["step"].get<int>(), i + 1);
  r = RunCommand(testing::MiconBinary() + " checkpoints --latest " + run);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, run + "/checkpoints/step-00000006.ckpt\n");
}

TEST(Train, EveryCheckpointDamagedIsNamedAndNotRestartedSilently) {
  const std::string run = ScratchDir() + "/run";
  const std::string base =
      testing::TrainCommand(run, testing::SmallImageDataset(), 2);
  ASSERT_EQ(RunCommand(base).exit_code, 0);
  const std::string only = run + "/checkpoints/step-00000002.ckpt";
  std::filesystem::resize_file(only, std::filesystem::file_size(only) / 2);
  testing::CommandResult r =
      RunCommand(testing::MiconBinary() + " checkpoints " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("every checkpoint is damaged"));
  r = RunCommand(testing::MiconBinary() + " checkpoints --latest " + run);
  EXPECT_NE(r.exit_code, 0);
  r = RunCommand(base + " --set train.steps=4 --resume latest");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("every checkpoint is damaged"));
}

TEST(Train, RefusesToOverwriteARunWithoutResume) {
  const std::string run = ScratchDir() + "/run";
  const std::string cmd =
      testing::TrainCommand(run, testing::SmallImageDataset(), 1);
  ASSERT_EQ(RunCommand(cmd).exit_code, 0);
  const testing::CommandResult r = RunCommand(cmd);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr("already holds 1 checkpoint"),
                              HasSubstr("--resume latest")));
  // A finished run resumed to the same length has nothing to do.
  const testing::CommandResult again = RunCommand(cmd + " --resume latest");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("nothing to do"));
}

// The small screen trains 14 compounds: a CLIP batch of 64 images repeats
// them (masked out of each other's negatives) and still holds 64 images, so
// an equal image budget is met.
TEST(Train, ClipBatchesLargerThanTheCompoundsAreFilled) {
  const std::string dir = ScratchDir();
  const testing::CommandResult r = RunCommand(
      testing::TrainCommand(dir + "/run", testing::SmallImageDataset(), 1) +
      " --set loss.objective=clip --set data.batch_size=64"
      " --set data.batch_unit=images");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("global batch 64 samples (64 encoder images)"));
}

TEST(Train, ConfigErrorsNameTheKeyAndExitOne) {
  const std::string dir = ScratchDir();
  std::ofstream(dir + "/run.yaml")
      << "run:\n  dir: " << dir << "/run\ndata:\n  dataset: x\n"
      << "model:\n  depth: 50\n";
  const testing::CommandResult r = RunCommand(
      testing::MiconBinary() + " train --config " + dir + "/run.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr(dir + "/run.yaml"),
                              HasSubstr("unknown key 'model.depth'")));
  const testing::CommandResult missing = RunCommand(
      testing::TrainCommand(dir + "/run2", dir + "/no-such-store", 1));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr(dir + "/no-such-store"));
  // A profile table where data.input is images, and the reverse.
  const testing::CommandResult kind = RunCommand(
      testing::TrainCommand(dir + "/run3", testing::SmallProfileTable(), 1));
  EXPECT_EQ(kind.exit_code, 1);
  EXPECT_THAT(kind.output,
              AllOf(HasSubstr(testing::SmallProfileTable() +
                              " is a profile table, but data.input images "
                              "reads a plate store")));
  // A GPU where this build or machine has none.
  const testing::CommandResult gpu = RunCommand(
      testing::TrainCommand(dir + "/run4", testing::SmallImageDataset(), 1) +
      " --set train.device=cuda");
  EXPECT_EQ(gpu.exit_code, 1);
  EXPECT_THAT(gpu.output,
              HasSubstr("cuda was asked for but this rank has no GPU"));
}

}  // namespace
}  // namespace micon
