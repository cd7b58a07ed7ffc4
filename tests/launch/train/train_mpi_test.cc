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
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/io/checkpoint_file.h"
#include "launch/train/metrics_log.h"
#include "launch/train/stop_signal.h"
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

}  // namespace
}  // namespace micon
