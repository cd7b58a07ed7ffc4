#include "launch/train/stop_signal.h"

#include <atomic>

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

}  // namespace

StopSignals::StopSignals() {
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = RecordStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &previous_term_);
  sigaction(SIGUSR1, &action, &previous_usr1_);
}

StopSignals::~StopSignals() {
  sigaction(SIGTERM, &previous_term_, nullptr);
  sigaction(SIGUSR1, &previous_usr1_, nullptr);
}

bool StopSignals::requested() const { return g_received.load() != 0; }
int StopSignals::signal() const { return g_received.load(); }

}  // namespace micon
