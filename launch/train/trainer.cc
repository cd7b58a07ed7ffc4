#include "launch/train/trainer.h"

#include <torch/torch.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"
#include "launch/train/checkpoint_policy.h"
#include "launch/train/loss_plot.h"
#include "launch/train/metrics_log.h"
#include "launch/train/progress_meter.h"
#include "launch/train/train_step.h"
#include "launch/train/training_session.h"

namespace micon {
namespace {

nlohmann::json MetricsRecord(int64_t completed, const StepStats& stats) {
  nlohmann::json record = {{"step", completed},
                           {"lr", stats.lr},
                           {"grad_norm", stats.grad_norm},
                           {"samples", stats.samples},
                           {"images", stats.images},
                           {"step_seconds", stats.seconds},
                           {"data_wait_seconds", stats.wait_seconds},
                           {"loss", stats.loss}};
  for (const LossPartValue& p : stats.parts) record[p.name] = p.value;
  if (stats.skipped) record["skipped"] = *stats.skipped;
  return record;
}

// Rank 0 records the configuration of this start and opens the metrics log
// (dropping the records of steps a resumed run is about to redo).
absl::StatusOr<std::unique_ptr<MetricsLog>> OpenRunFiles(
    const TrainingSession& session) {
  if (session.dist.rank != 0) return nullptr;
  MICON_RETURN_IF_ERROR(
      WriteFileAtomically(session.run.config(), session.state.config_yaml));
  MICON_ASSIGN_OR_RETURN(MetricsLog log, MetricsLog::Open(session.run.metrics(),
                                                          session.start_step));
  return std::make_unique<MetricsLog>(std::move(log));
}

void Finish(const TrainingSession& session, const MetricsLog& metrics,
            double final_loss) {
  const std::string png = session.run.loss_plot();
  if (absl::Status plotted = WriteLossPlot(metrics.path(), png); plotted.ok()) {
    session.log.Info("loss curve: " + png);
  } else {
    session.log.Warning("no loss curve: " + std::string(plotted.message()));
  }
  session.log.Info(absl::StrFormat(
      "finished %d steps; final loss %.4f; run in %s",
      session.config.train.steps, final_loss, session.run.root()));
}

}  // namespace

absl::StatusOr<TrainResult> RunTraining(const TrainConfig& config,
                                        const TrainOptions& options,
                                        DistributedContext& dist,
                                        const StopSignals& signals) {
  const RunLog log(dist.rank, dist.world_size);
  MICON_ASSIGN_OR_RETURN(std::unique_ptr<TrainingSession> session,
                         StartOrResume(config, options.resume, dist, log));
  // Libraries that start after micon's signal handlers may replace them
  // (stop_signal.h): look once the device and the communicator are up, and
  // again after the first step, when NCCL has connected its peers.
  const auto reassert_signals = [&] {
    for (const std::string& repaired : signals.Reassert()) {
      log.Warning(repaired);
    }
  };
  reassert_signals();
  TrainResult result;
  result.steps_completed = session->start_step;
  if (session->finished()) return result;

  MICON_ASSIGN_OR_RETURN(std::unique_ptr<MetricsLog> metrics,
                         OpenRunFiles(*session));
  const int64_t steps = config.train.steps;
  log.Info(absl::StrCat(
      "training ", DescribeModel(config), ", ", dist.world_size, " rank(s) x ",
      torch::get_num_threads(), " thread(s) on ", session->device.str(),
      ", backend ", dist.backend, ", global batch ",
      dist.world_size * config.samples_per_rank(), " samples (",
      dist.world_size * config.samples_per_rank() *
          EncoderPassesPerSample(config.loss.objective),
      " encoder images)", ", steps ", session->start_step, " -> ", steps));

  CheckpointPolicy policy(config.checkpoint, steps);
  ProgressMeter progress(steps);
  for (int64_t step = session->start_step; step < steps; ++step) {
    if (step == session->start_step + 1) reassert_signals();
    StepVotes votes;
    votes.stop = signals.requested();
    votes.checkpoint_time = dist.rank == 0 && policy.TimeDue();
    MICON_ASSIGN_OR_RETURN(const StepStats stats,
                           RunTrainStep(*session, step, votes));
    const int64_t completed = step + 1;
    result.steps_completed = completed;
    if (stats.skipped) {
      ++result.steps_skipped;
      // Every rank skipped (the gradients are all-reduced); one says so.
      if (dist.rank == 0)
        log.Warning(absl::StrCat(
            "step ", completed, " skipped (train.nonfinite: skip): ",
            *stats.skipped, "; ", result.steps_skipped, " skipped so far"));
    } else {
      result.final_loss = stats.loss;
    }
    progress.Add(stats);
    if (metrics) {
      MICON_RETURN_IF_ERROR(metrics->Append(MetricsRecord(completed, stats)));
    }
    if (completed % config.train.log_every == 0 || completed == steps ||
        completed == session->start_step + 1) {
      log.Info(progress.Line(completed, stats));
    }
    if (policy.Due(completed, stats.stop, stats.checkpoint_time)) {
      MICON_RETURN_IF_ERROR(session->Checkpoint(completed));
      policy.Saved();
    }
    if (stats.stop && completed < steps) {
      log.Info(absl::StrCat("stop signal received: checkpointed step ",
                            completed, " in ", session->run.checkpoints(),
                            "; exiting with ", kExitRequeue,
                            " (requeue, then --resume latest)"));
      result.stopped = true;
      return result;
    }
  }
  if (metrics) Finish(*session, *metrics, result.final_loss);
  return result;
}

}  // namespace micon
