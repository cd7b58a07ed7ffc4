// stop_signal.h: SIGTERM and SIGUSR1 ask a training run to stop cleanly.
//
//   StopSignals signals;                 // installs the handlers (RAII)
//   if (signals.requested()) { ...finish the step, checkpoint, exit 75... }
//
// Slurm sends SIGTERM at preemption and at the time limit, and the signal
// chosen with `sbatch --signal=B:USR1@N` ahead of it; mpirun forwards SIGUSR1
// (and SIGTERM) to the ranks. The handler only records the signal; the trainer
// polls it once per step and the ranks agree (an all-reduce) so that all of
// them stop after the same step. A second signal restores the default action,
// so an impatient Ctrl-C / scancel still ends the process.
#ifndef MICON_LAUNCH_TRAIN_STOP_SIGNAL_H_
#define MICON_LAUNCH_TRAIN_STOP_SIGNAL_H_

#include <csignal>
#include <string>
#include <vector>

namespace micon {

// The exit code of a run that stopped on a signal after writing a checkpoint:
// batch scripts requeue on it (EX_TEMPFAIL from sysexits.h).
inline constexpr int kExitRequeue = 75;

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Libraries that start after the handlers (the CUDA runtime, NCCL, MPI's
  // progress threads) may install their own or block the signals in this
  // thread; then a preemption's SIGUSR1 is lost and the run is killed without
  // a checkpoint. Puts the handlers back and unblocks the signals, and says
  // what it repaired, one line each (empty when nothing was wrong).
  std::vector<std::string> Reassert() const;

  bool requested() const;
  // The signal received (SIGTERM, SIGUSR1), 0 if none.
  int signal() const;

 private:
  struct sigaction previous_term_ {};
  struct sigaction previous_usr1_ {};
};

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_STOP_SIGNAL_H_
