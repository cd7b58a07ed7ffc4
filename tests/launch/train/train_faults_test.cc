// `micon train` under the faults a cluster produces, injected on purpose
// (MICON_FAULT, core/fault_injection.h; a full disk is /dev/full): a NaN in
// the loss or the gradients, a kill while a checkpoint is half written, no
// space for a checkpoint or for metrics.jsonl. Each must end in a clear error
// or a documented recovery, and never leave a checkpoint that poisons a
// resume. And a plate store with a blank plate or thin replicates. Profile
// runs where the fault does not depend on the input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/io/checkpoint_file.h"
#include "data/plate_reader.h"
#include "data/plate_store.h"
#include "launch/train/metrics_log.h"
#include "launch/train/run_checkpoint.h"
#include "tests/data/plate_fixture.h"
#include "tests/launch/train/train_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

namespace fs = std::filesystem;
using ::micon::testing::MiconBinary;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A 4-step profile run checkpointing every step.
std::string ProfileRun(const std::string& run, int steps = 4) {
  return testing::TrainCommand(run, testing::SmallProfileTable(), steps) +
         " --set data.input=profiles --set data.split=all"
         " --set checkpoint.every_steps=1 --set checkpoint.keep_last=10";
}

std::string Checkpoint(const std::string& run, int step) {
  return run + absl::StrFormat("/checkpoints/step-%08d.ckpt", step);
}

uint64_t ModelChecksum(const std::string& checkpoint) {
  absl::StatusOr<CheckpointContents> contents = ReadCheckpoint(checkpoint);
  EXPECT_TRUE(contents.ok()) << contents.status();
  if (!contents.ok()) return 0;
  absl::StatusOr<ResumePoint> point = DecodeResumePoint(*std::move(contents));
  EXPECT_TRUE(point.ok()) << point.status();
  return point.ok() ? point->state.model_checksum : 0;
}

std::string Latest(const std::string& run) {
  return RunCommand(MiconBinary() + " checkpoints --latest " + run).output;
}

TEST(TrainFaults, ANanGradientStopsNamingTheStepAndTheParameter) {
  const std::string run = ScratchDir() + "/run";
  testing::CommandResult r =
      RunCommand("MICON_FAULT=nan-gradient@3 " + ProfileRun(run));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("step 3: the gradient of "),
                              HasSubstr(" is not finite"),
                              HasSubstr("stopped before the optimiser step"),
                              HasSubstr("train.nonfinite: skip")));
  // Nothing of step 3 was written: the last checkpoint is step 2's, and the
  // run resumes from it (without the fault) to the end.
  EXPECT_FALSE(fs::exists(Checkpoint(run, 3)));
  EXPECT_EQ(Latest(run), Checkpoint(run, 2) + "\n");
  MICON_ASSERT_OK_AND_ASSIGN(auto records, ReadMetrics(run + "/metrics.jsonl"));
  EXPECT_EQ(records.size(), 2u);
  r = RunCommand(ProfileRun(run) + " --resume latest");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(Checkpoint(run, 4)));
}

TEST(TrainFaults, ANanLossStopsNamingTheStep) {
  const std::string run = ScratchDir() + "/run";
  const testing::CommandResult r =
      RunCommand("MICON_FAULT=nan-loss@2 " + ProfileRun(run));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("step 2: the loss is nan"));
  EXPECT_EQ(Latest(run), Checkpoint(run, 1) + "\n");
}

// train.nonfinite: skip takes no optimiser step on the bad step: the model
// after it is the model before it, bit for bit, and training goes on.
TEST(TrainFaults, SkipTakesNoStepAndCountsIt) {
  const std::string run = ScratchDir() + "/run";
  const testing::CommandResult r =
      RunCommand("MICON_FAULT=nan-gradient@2 " + ProfileRun(run) +
                 " --set train.nonfinite=skip");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("step 2 skipped (train.nonfinite: skip): the "
                              "gradient of "),
                    HasSubstr("1 skipped so far")));
  EXPECT_EQ(ModelChecksum(Checkpoint(run, 2)),
            ModelChecksum(Checkpoint(run, 1)));
  EXPECT_NE(ModelChecksum(Checkpoint(run, 3)),
            ModelChecksum(Checkpoint(run, 2)));
  MICON_ASSERT_OK_AND_ASSIGN(auto records, ReadMetrics(run + "/metrics.jsonl"));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[1].contains("skipped"));
  EXPECT_FALSE(records[0].contains("skipped"));
  EXPECT_FALSE(records[2].contains("skipped"));
}

// SIGKILL while rank 0 is half-way through writing the checkpoint of step 3:
// the half-written file is never taken for a checkpoint, `micon checkpoints`
// names it, and the resumed run computes what an uninterrupted one does.
TEST(TrainFaults, KilledWhileWritingACheckpointResumesFromThePreviousOne) {
  const std::string dir = ScratchDir();
  const std::string straight = dir + "/straight", run = dir + "/run";
  testing::CommandResult r = RunCommand(ProfileRun(straight));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string log = dir + "/killed.log";
  r = RunCommand(absl::StrCat(
      "MICON_FAULT=checkpoint-write-pause@3 ", ProfileRun(run), " > ", log,
      " 2>&1 & pid=$!; for i in $(seq 1200); do grep -q 'paused half-way' ",
      log,
      " && break; sleep 0.1; done; kill -9 $pid; wait $pid; echo exit $?"));
  EXPECT_THAT(r.output, HasSubstr("exit 137"));
  const std::string partial = Checkpoint(run, 3) + ".partial";
  ASSERT_TRUE(fs::exists(partial));
  EXPECT_FALSE(fs::exists(Checkpoint(run, 3)));

  r = RunCommand(MiconBinary() + " checkpoints " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("step-00000003.ckpt.partial LEFTOVER"),
                    HasSubstr("--resume latest continues from step 2")));
  r = RunCommand(ProfileRun(run) + " --resume latest");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("step-00000003.ckpt.partial: left by an "
                              "interrupted checkpoint write"),
                    HasSubstr("at step 2")));
  EXPECT_FALSE(fs::exists(partial));  // replaced by the write of step 3
  MICON_ASSERT_OK_AND_ASSIGN(auto a, ReadMetrics(straight + "/metrics.jsonl"));
  MICON_ASSERT_OK_AND_ASSIGN(auto b, ReadMetrics(run + "/metrics.jsonl"));
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["loss"].get<double>(), b[i]["loss"].get<double>()) << i;
  }
  EXPECT_EQ(ModelChecksum(Checkpoint(run, 4)),
            ModelChecksum(Checkpoint(straight, 4)));
}

// No space for a checkpoint (its partial file is /dev/full): an error naming
// the file and the cause, exit 1, the previous checkpoint intact and no
// partial file left to fill the disk further.
TEST(TrainFaults, ADiskFullCheckpointFailsNamingThePath) {
  const std::string run = ScratchDir() + "/run";
  ASSERT_EQ(RunCommand(ProfileRun(run, 2)).exit_code, 0);
  const std::string partial = Checkpoint(run, 3) + ".partial";
  fs::create_symlink("/dev/full", partial);
  const testing::CommandResult r =
      RunCommand(ProfileRun(run) + " --resume latest");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("writing " + Checkpoint(run, 3) + " failed"),
                    HasSubstr("No space left on device")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(partial)));
  EXPECT_EQ(Latest(run), Checkpoint(run, 2) + "\n");
}

TEST(TrainFaults, ADiskFullMetricsLogFailsNamingThePath) {
  const std::string run = ScratchDir() + "/run";
  ASSERT_EQ(RunCommand(ProfileRun(run, 2)).exit_code, 0);
  const std::string metrics = run + "/metrics.jsonl";
  fs::remove(metrics);
  fs::create_symlink("/dev/full", metrics);
  const testing::CommandResult r =
      RunCommand(ProfileRun(run) + " --resume latest");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr(metrics + ": appending the record of step 3"),
                    HasSubstr("No space left on device")));
  EXPECT_THAT(Latest(run), Not(HasSubstr("step-00000003")));
}

// A plate from a failed acquisition (every pixel 0) among healthy ones:
// training refuses it, naming the plate, instead of normalising by
// degenerate DMSO statistics.
TEST(TrainFaults, ABlankPlateIsRefusedNamingIt) {
  const std::string dir = ScratchDir();
  const std::string store = dir + "/store";
  fs::copy(testing::SmallImageDataset(), store, fs::copy_options::recursive);
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string> plates,
                             ListPlateFiles(store));
  const std::string plate = plates.front();
  MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader, PlateReader::Open(plate));
  const PlateMetadata m = reader.metadata();
  MICON_ASSERT_OK(
      testing::WritePlateWithPixels(dir + "/blank.h5", m.header, m.images,
                                    [](int64_t, int64_t) { return 0; }));
  fs::rename(dir + "/blank.h5", plate);
  const testing::CommandResult r = RunCommand(
      testing::TrainCommand(dir + "/run", store, 2) + " --set data.split=all");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr(plate + ": the "),
                              HasSubstr("control (DMSO) image(s)"),
                              HasSubstr("degenerate statistics")));
}

// data.strict (micon train --strict): a data-quality warning stops the run.
// The test store's cpd-a is in a single well.
TEST(TrainFaults, StrictMakesDataWarningsErrors) {
  const std::string dir = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(dir + "/store"));
  const testing::CommandResult r =
      RunCommand(testing::TrainCommand(dir + "/run", dir + "/store", 2) +
                 " --set data.split=all --strict");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("warning: dataset /compound: 1 of 2 "
                                        "compound(s) in a single well"),
                              HasSubstr("cpd-a (plate P1 well A01)"),
                              HasSubstr("data.strict makes them errors")));
}

TEST(TrainFaults, AMalformedFaultSpecIsRefused) {
  const std::string run = ScratchDir() + "/run";
  const testing::CommandResult r =
      RunCommand("MICON_FAULT=nan@3 " + ProfileRun(run));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("MICON_FAULT entry 'nan@3'"));
}

}  // namespace
}  // namespace micon
