#include "launch/train/stop_signal.h"

#include <pthread.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace micon {
namespace {

// A signal handler can only reach process-wide state; this is a flag, not a
// resource.
std::atomic<int> g_received{0};

extern "C" void RecordStopSignal(int signo) {
  if (g_received.exchange(signo) != 0) {
    std::signal(signo, SIG_DFL);  // second signal: default action next time
  }
}

struct sigaction RecordingAction() {
  struct sigaction action {};
  action.sa_handler = RecordStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return action;
}

const char* SignalName(int signo) {
  return signo == SIGTERM ? "SIGTERM" : "SIGUSR1";
}

}  // namespace

StopSignals::StopSignals() {
  g_received = 0;
  const struct sigaction action = RecordingAction();
  sigaction(SIGTERM, &action, &previous_term_);
  sigaction(SIGUSR1, &action, &previous_usr1_);
}

std::vector<std::string> StopSignals::Reassert() const {
  std::vector<std::string> repaired;
  const struct sigaction action = RecordingAction();
  sigset_t blocked;
  sigemptyset(&blocked);
  pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  for (int signo : {SIGTERM, SIGUSR1}) {
    struct sigaction current {};
    sigaction(signo, nullptr, &current);
    const bool ours = !(current.sa_flags & SA_SIGINFO) &&
                      current.sa_handler == RecordStopSignal;
    // A second signal set the default action on purpose (RecordStopSignal).
    if (!ours && g_received.load() == 0) {
      sigaction(signo, &action, nullptr);
      repaired.push_back(absl::StrCat(
          SignalName(signo),
          "'s handler was replaced during start-up (by a library: CUDA, "
          "NCCL or MPI); micon's is back"));
    }
    if (sigismember(&blocked, signo) == 1) {
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, signo);
      pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
      repaired.push_back(absl::StrCat(
          SignalName(signo),
          " was blocked in the training thread after start-up; unblocked"));
    }
  }
  return repaired;
}

StopSignals::~StopSignals() {
  sigaction(SIGTERM, &previous_term_, nullptr);
  sigaction(SIGUSR1, &previous_usr1_, nullptr);
}

bool StopSignals::requested() const { return g_received.load() != 0; }
int StopSignals::signal() const { return g_received.load(); }

}  // namespace micon
