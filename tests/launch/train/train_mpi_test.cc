// Exact resumption under a real mpirun: 2 ranks, 20 steps straight, versus
// the same run stopped by SIGTERM to one rank and resumed; per-step losses and
// the final parameters must be identical, bit for bit.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/io/checkpoint_file.h"
#include "data/dataset.h"
#include "launch/train/metrics_log.h"
#include "launch/train/stop_signal.h"
#include "launch/train/trained_model.h"
#include "launch/train/training_state.h"
#include "tests/launch/train/train_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::HasSubstr;

constexpr int kSteps = 20;

std::string MpiTrain(const std::string& run) {
  return absl::StrCat(
      MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS, " -np 2 ",
      testing::TrainCommand(run, testing::SmallImageDataset(), kSteps),
      " --set train.threads=1");
}

// Processes whose parent is `parent` (mpirun starts the local ranks itself).
std::vector<pid_t> Children(pid_t parent) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  while (dirent* e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(pid);
  }
  closedir(proc);
  std::sort(out.begin(), out.end());
  return out;
}

int StepsLogged(const std::string& metrics) {
  std::ifstream in(metrics);
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    n += line.find("\"step\"") != std::string::npos;
  return n;
}

// A rank stuck in its loader, or stuck before a collective, on 3 ranks: every
// rank ends, non-zero, within the deadline (plus the roll call), and the
// message names the operation the others waited in and the stuck rank.
class TrainMpiHang : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainMpiHang, EveryRankExitsNamingTheStuckRank) {
  const std::string run = ScratchDir() + "/run";
  const auto start = std::chrono::steady_clock::now();
  const testing::CommandResult r = RunCommand(absl::StrCat(
      "MICON_FAULT=", GetParam(), "@3:1 timeout 120 ", MICON_MPIRUN, " ",
      MICON_MPIRUN_FLAGS, " -x MICON_FAULT -np 3 ",
      testing::TrainCommand(run, testing::SmallProfileTable(), 6),
      " --set data.input=profiles --set data.split=all --set train.threads=1"
      " --set distributed.timeout_seconds=4"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.exit_code, 124) << "the job hung: " << r.output;
  // docs/RELIABILITY.md: every rank exits within the limit (4 s) plus the
  // roll call (at most 10 s) of the stall; before it come the start-up, which
  // the run reports, and 2 steps of a tiny model, and after it the processes'
  // exit (5 s allowed for both).
  std::smatch startup;
  ASSERT_TRUE(
      std::regex_search(r.output, startup, std::regex("start-up ([0-9.]+)s:")))
      << r.output;
  const double allowed = std::stod(startup[1].str()) + 4 + 10 + 5;
  EXPECT_LT(seconds, allowed) << r.output;
  EXPECT_THAT(r.output,
              ::testing::AllOf(
                  HasSubstr("MICON_FAULT: rank 1"),
                  ::testing::ContainsRegex(
                      "rank 0: [a-z_]+ #[0-9]+ .* did not complete within 4.0 "
                      "s"),
                  HasSubstr("no word from rank(s) 1 (stuck outside the "
                            "collectives"),
                  HasSubstr("also waiting in #")));
}

INSTANTIATE_TEST_SUITE_P(Faults, TrainMpiHang,
                         ::testing::Values("hang", "loader-hang"));

// Resuming on another world size continues, as docs/TRAINING.md promises,
// from the checkpoint's parameters (verified on every rank), saying what
// changed: the sharding, the streams and the global batch.
std::string ProfileRunOn(int ranks, const std::string& run, int steps) {
  const std::string train =
      testing::TrainCommand(run, testing::SmallProfileTable(), steps) +
      " --set data.input=profiles --set data.split=all --set train.threads=1"
      " --set checkpoint.every_steps=1 --set checkpoint.keep_last=10";
  return ranks == 1 ? train
                    : absl::StrCat(MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS,
                                   " -np ", ranks, " ", train);
}

TEST(TrainMpi, ResumingOnAnotherWorldSizeContinuesAndSaysSo) {
  for (const auto& [before, after] : {std::pair{2, 1}, std::pair{1, 4}}) {
    const std::string run =
        absl::StrCat(ScratchDir(), "/run-", before, "-", after);
    testing::CommandResult r = RunCommand(ProfileRunOn(before, run, 4));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = RunCommand(ProfileRunOn(after, run, 6) + " --resume latest");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(
        r.output,
        ::testing::AllOf(
            HasSubstr(absl::StrCat("step-00000004.ckpt was written by ", before,
                                   " ranks and resumes on ", after)),
            HasSubstr(absl::StrCat("the global batch is now ", 2 * after,
                                   " entries instead of ", 2 * before)),
            HasSubstr("at step 4; parameters identical on all " +
                      std::to_string(after) + " ranks")));
    MICON_ASSERT_OK_AND_ASSIGN(auto records,
                               ReadMetrics(run + "/metrics.jsonl"));
    ASSERT_EQ(records.size(), 6u);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(records[i]["step"].get<int>(), i + 1);
      EXPECT_TRUE(std::isfinite(records[i]["loss"].get<double>()));
    }
    // The step-5 batch is the new world's: world x 2 entries of 4 encoder
    // inputs (2 treated, 2 control profiles) each.
    EXPECT_EQ(records[4]["samples"].get<double>(), 2 * after);
    EXPECT_EQ(records[4]["images"].get<double>(), 4 * 2 * after);
  }
}

// The 2-rank run in dir/two and the one-process run in dir/one logged
// `steps` steps with the same samples, and losses and gradient norms within
// 1e-5 relative (float32 rounding; the CellCLIP test below says why that
// bound). AdamW is blind to a gradient scaled per coordinate (its step 1 is
// lr x sign(g)), so the gradient's norm is compared too.
void ExpectTheSameSteps(const std::string& dir, int steps) {
  MICON_ASSERT_OK_AND_ASSIGN(auto two, ReadMetrics(dir + "/two/metrics.jsonl"));
  MICON_ASSERT_OK_AND_ASSIGN(auto one, ReadMetrics(dir + "/one/metrics.jsonl"));
  ASSERT_EQ(two.size(), static_cast<size_t>(steps));
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < two.size(); ++i) {
    const double a = two[i]["loss"].get<double>(),
                 b = one[i]["loss"].get<double>();
    EXPECT_NEAR(a, b, 1e-5 * std::abs(a)) << "step " << i + 1;
    const double ga = two[i]["grad_norm"].get<double>(),
                 gb = one[i]["grad_norm"].get<double>();
    EXPECT_NEAR(ga, gb, 1e-5 * ga) << "step " << i + 1;
    EXPECT_EQ(two[i]["samples"], one[i]["samples"]) << "step " << i + 1;
  }
}

// A profile table on 2 ranks, each reading only its own plates' features,
// against one process emulating both (which reads every shard's plates):
// the same samples, loss and gradient at every step. A rank that read
// another rank's rows, or rows of the wrong plate, trains on other inputs
// and differs by far more than float32 rounding (bounds as in the CellCLIP
// comparison below). Planted: ReadPlateFeatures swapping each plate's rows
// in pairs only when it reads a subset of the plates (as a rank does, not
// the emulating process) moved the step-1 loss by 0.011, against a bound of
// 4.6e-5.
TEST(TrainMpi, ProfilesOnTwoRanksEqualOneProcessOnTheirBatches) {
  constexpr int kSteps = 6;
  const std::string dir = ScratchDir();
  testing::CommandResult r = RunCommand(ProfileRunOn(2, dir + "/two", kSteps));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(ProfileRunOn(1, dir + "/one", kSteps) +
                 " --set distributed.emulate_ranks=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("concatenated batches of 2 emulated ranks"));
  ExpectTheSameSteps(dir, kSteps);
}

TEST(TrainMpi, StoppedAndResumedRunEqualsTheUninterruptedOne) {
  const std::string dir = ScratchDir();
  const std::string straight = dir + "/straight", stopped = dir + "/stopped";
  testing::SmallImageDataset();  // generated before the clock starts

  const testing::CommandResult a = RunCommand(MpiTrain(straight));
  ASSERT_EQ(a.exit_code, 0) << a.output;

  // The interrupted run, in the background; SIGTERM goes to one rank only, as
  // a node-local preemption would: the ranks must still agree to stop.
  const std::string log = dir + "/stopped.log";
  const pid_t mpirun = fork();
  ASSERT_GE(mpirun, 0);
  if (mpirun == 0) {
    execl("/bin/sh", "sh", "-c",
          ("exec " + MpiTrain(stopped) + " > " + log + " 2>&1").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(4);
  while (StepsLogged(stopped + "/metrics.jsonl") < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<pid_t> ranks = Children(mpirun);
  ASSERT_EQ(ranks.size(), 2u) << "could not find the two ranks of mpirun";
  ASSERT_EQ(kill(ranks[1], SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(mpirun, &status, 0), mpirun);
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), {});
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), kExitRequeue) << output;
  EXPECT_THAT(output, HasSubstr("stop signal received: checkpointed step"));
  const std::vector<std::string> saved =
      ListCheckpoints(stopped + "/checkpoints");
  ASSERT_EQ(saved.size(), 1u);
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents at_stop,
                             ReadCheckpoint(saved[0]));
  ASSERT_GE(at_stop.step, 3);
  ASSERT_LT(at_stop.step, kSteps) << "the run ended before the signal";

  const testing::CommandResult b =
      RunCommand(MpiTrain(stopped) + " --resume latest");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_THAT(b.output,
              HasSubstr(absl::StrCat("at step ", at_stop.step,
                                     "; parameters identical on all 2 ranks")));

  MICON_ASSERT_OK_AND_ASSIGN(auto x, ReadMetrics(straight + "/metrics.jsonl"));
  MICON_ASSERT_OK_AND_ASSIGN(auto y, ReadMetrics(stopped + "/metrics.jsonl"));
  ASSERT_EQ(x.size(), static_cast<size_t>(kSteps));
  ASSERT_EQ(y.size(), static_cast<size_t>(kSteps));
  for (int i = 0; i < kSteps; ++i) {
    EXPECT_EQ(y[i]["step"], i + 1);
    EXPECT_EQ(x[i]["loss"].get<double>(), y[i]["loss"].get<double>())
        << "step " << i + 1;
    EXPECT_EQ(x[i]["lr"].get<double>(), y[i]["lr"].get<double>());
  }
  const std::string last =
      absl::StrCat("/checkpoints/step-000000", kSteps, ".ckpt");
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents cx,
                             ReadCheckpoint(straight + last));
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents cy,
                             ReadCheckpoint(stopped + last));
  MICON_ASSERT_OK_AND_ASSIGN(TrainingState sx,
                             DecodeTrainingState(cx.metadata, cx.path));
  MICON_ASSERT_OK_AND_ASSIGN(TrainingState sy,
                             DecodeTrainingState(cy.metadata, cy.path));
  EXPECT_EQ(sx.model_checksum, sy.model_checksum);
  EXPECT_TRUE(cx.model == cy.model) << "model archives differ";
  // (Optimiser archives are not compared byte for byte: LibTorch keys their
  // state by tensor address. Identical losses after the resume and identical
  // final parameters already require the restored AdamW moments to be exact.)
}

// CellCLIP on 2 ranks under mpirun, and in one process on the concatenation
// of the batches those 2 ranks draw (distributed.emulate_ranks=2): the
// N-rank invariant end to end, through the sharded store, the gathered
// embeddings, labels and CWCL inputs, the gradient all-reduce and AdamW.
std::string CellclipRun(const std::string& run, int ranks, int steps) {
  const std::string train =
      testing::CellclipTrainCommand(run, steps, "cwcl") +
      " --set data.fields_per_well=2 --set train.threads=1"
      " --set checkpoint.every_steps=4";
  return ranks == 1 ? train + " --set distributed.emulate_ranks=2"
                    : absl::StrCat(MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS,
                                   " -np ", ranks, " ", train);
}

std::map<std::string, torch::Tensor> FinalParameters(
    const std::string& checkpoint) {
  std::map<std::string, torch::Tensor> out;
  absl::StatusOr<TrainedModel> trained = ReadTrainedModel(checkpoint);
  EXPECT_TRUE(trained.ok()) << trained.status();
  absl::StatusOr<Dataset> store = OpenDataset(testing::SmallEmbeddingStore());
  EXPECT_TRUE(store.ok()) << store.status();
  if (!trained.ok() || !store.ok()) return out;
  absl::StatusOr<MiconModel> model = trained->Build(
      {store->plates().front().header.num_channels(),
       trained->config.molecule.featurizer.bits, store->embedding_dim,
       store->plates().front().header.channels},
      torch::kCPU);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return out;
  for (const auto& p : (*model)->named_parameters()) {
    out[p.key()] = p.value().detach().clone();
  }
  return out;
}

TEST(TrainMpi, CellclipOnTwoRanksEqualsOneProcessOnTheirBatches) {
  constexpr int kCellclipSteps = 8;
  const std::string dir = ScratchDir();
  testing::CommandResult r =
      RunCommand(CellclipRun(dir + "/two", 2, kCellclipSteps));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(CellclipRun(dir + "/one", 1, kCellclipSteps));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("concatenated batches of 2 emulated ranks"));

  // float32 throughout. The two runs compute the same global loss and
  // gradient in a different order (two ranks' partial gradients averaged by
  // the all-reduce, against one backward over all 8 wells), so they differ
  // by float32 rounding: about 1e-7 of the loss per step, measured. AdamW's
  // update divides each gradient by its own RMS, which keeps a relative
  // rounding difference relative, so after 8 steps at lr 1e-3 the parameters
  // (of order 0.1-1) may differ by a few 1e-6. Bounds: 1e-5 relative on the
  // loss, 2e-5 absolute on every parameter. A wrong gather, a missed
  // gradient scale or a rank drawing the wrong shard is off by far more
  // (planted: the gathered rows' gradient averaged over the ranks instead of
  // summed. The gradient's norm at step 1 fell from 13.97 to 9.84, and the
  // loss at step 2 moved by 0.05. An error in code both runs share, such as
  // a factor in the gather's backward at every world size, is the step-level
  // invariant's and the reference tests' to catch, not this comparison's).
  ExpectTheSameSteps(dir, kCellclipSteps);
  if (::testing::Test::HasFatalFailure()) return;
  const std::string last =
      absl::StrCat("/checkpoints/step-0000000", kCellclipSteps, ".ckpt");
  const auto p2 = FinalParameters(dir + "/two" + last);
  const auto p1 = FinalParameters(dir + "/one" + last);
  ASSERT_EQ(p1.size(), p2.size());
  ASSERT_FALSE(p2.empty());
  for (const auto& [name, value] : p2) {
    ASSERT_TRUE(p1.count(name)) << name;
    torch::Tensor difference = (value - p1.at(name)).abs();
    if (name.size() > 9 && name.compare(name.size() - 9, 9, ".qkv.bias") == 0) {
      // The keys' bias adds the same q.b_k to every logit of a query's row,
      // which the softmax ignores: its true gradient is 0, and what backward
      // gives is rounding noise (about 1e-9), which AdamW's division by the
      // gradient's RMS turns into steps of up to lr. So it may differ by up
      // to steps x lr here and is held to that; queries and values are not.
      const int64_t width = value.size(0) / 3;
      EXPECT_LE(difference.narrow(0, width, width).max().item<double>(),
                kCellclipSteps * 1e-3)
          << name << " (keys)";
      difference = torch::cat({difference.narrow(0, 0, width),
                               difference.narrow(0, 2 * width, width)});
    }
    EXPECT_LE(difference.max().item<double>(), 2e-5) << name;
  }

  // The 2-rank run resumed from its step-4 checkpoint equals itself
  // uninterrupted, bit for bit.
  const std::string resumed = dir + "/resumed";
  std::filesystem::create_directories(resumed + "/checkpoints");
  std::filesystem::copy(dir + "/two/checkpoints/step-00000004.ckpt",
                        resumed + "/checkpoints/");
  r = RunCommand(CellclipRun(resumed, 2, kCellclipSteps) + " --resume latest");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("at step 4; parameters identical on all 2 ranks"));
  MICON_ASSERT_OK_AND_ASSIGN(auto two, ReadMetrics(dir + "/two/metrics.jsonl"));
  MICON_ASSERT_OK_AND_ASSIGN(auto again,
                             ReadMetrics(resumed + "/metrics.jsonl"));
  ASSERT_EQ(again.size(), static_cast<size_t>(kCellclipSteps - 4));
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i]["step"], i + 5);
    EXPECT_EQ(again[i]["loss"].get<double>(), two[i + 4]["loss"].get<double>())
        << "step " << i + 5;
  }
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents a,
                             ReadCheckpoint(dir + "/two" + last));
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents b,
                             ReadCheckpoint(resumed + last));
  EXPECT_TRUE(a.model == b.model) << "model archives differ";
}

}  // namespace
}  // namespace micon
