#include "launch/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/atomic_file.h"
#include "core/autocast_scope.h"
#include "core/lr_schedule.h"
#include "core/micon_step_loss.h"
#include "core/objective.h"
#include "core/resnet_weights.h"
#include "core/rng_state.h"
#include "core/status_macros.h"
#include "core/torch_threads.h"
#include "distributed/distributed_gather.h"
#include "distributed/gradient_reducer.h"
#include "distributed/parameter_sync.h"
#include "launch/compute_device.h"
#include "launch/loss_plot.h"
#include "launch/metrics_log.h"
#include "launch/run_checkpoint.h"
#include "launch/training_inputs.h"

namespace fs = std::filesystem;

namespace micon {
namespace {

using Clock = std::chrono::steady_clock;

// The per-step all-reduce: loss parts (this rank's shares sum to the global
// loss), samples, and the votes every rank must agree on.
enum Stat { kTotal, kPaclr, kCf, kSimclr, kClip, kSamples, kStop, kCkpt, kN };
constexpr const char* kPartNames[] = {"loss", "paclr", "counterfactual",
                                      "simclr", "clip"};

StepBatch ToDevice(const StepBatch& b, const torch::Device& device) {
  auto move = [&](const torch::Tensor& t) {
    return t.defined() ? t.to(device, /*non_blocking=*/true) : t;
  };
  return {move(b.samples), move(b.controls), move(b.compound),
          move(b.molecule)};
}

LrScheduleOptions ScheduleOptions(const TrainConfig& c) {
  LrScheduleOptions o;
  o.kind = *ParseScheduleKind(c.schedule);  // validated by the config
  o.lr = c.lr;
  o.min_lr = c.min_lr;
  o.warmup_steps = c.warmup_steps;
  o.total_steps = c.steps;
  o.plateau_factor = c.plateau_factor;
  o.plateau_patience = c.plateau_patience;
  o.plateau_threshold = c.plateau_threshold;
  o.plateau_cooldown = c.plateau_cooldown;
  o.plateau_window = c.plateau_window;
  return o;
}

// Keys that may change between a checkpoint and its continuation without
// changing what is computed.
bool HarmlessChange(const std::string& key) {
  return key == "train.steps" || key == "train.log_every" ||
         key == "train.threads" || key == "data.workers" ||
         key == "data.prefetch" || key.rfind("checkpoint.", 0) == 0 ||
         key == "distributed.timeout_seconds";
}

std::string ProgressLine(int64_t step, int64_t steps, const double* parts,
                         const bool* has, double lr, double images_per_s,
                         double wait_share, double eta_s) {
  std::string line =
      absl::StrFormat("step %d/%d  loss %.4f", step, steps, parts[kTotal]);
  std::vector<std::string> shown;
  for (int k = kPaclr; k <= kCf; ++k) {  // the parts of the MICON total
    if (has[k]) {
      shown.push_back(absl::StrFormat("%s %.4f", kPartNames[k], parts[k]));
    }
  }
  if (shown.size() > 1) line += " (" + absl::StrJoin(shown, ", ") + ")";
  return line + absl::StrFormat(
                    "  lr %.3g  %.1f samples/s  data-wait %.0f%%  ETA %s", lr,
                    images_per_s, 100 * wait_share, FormatDuration(eta_s));
}

}  // namespace

absl::StatusOr<TrainResult> RunTraining(const TrainConfig& config,
                                        const TrainOptions& options,
                                        DistributedContext& dist,
                                        const StopSignals& signals) {
  Communicator& comm = *dist.comm;
  const int rank = dist.rank, world = dist.world_size;
  const RunLog log(rank, world);
  const int threads = ConfigureTorchThreads(config.threads, dist.local_size);
  MICON_ASSIGN_OR_RETURN(
      const torch::Device device,
      ChooseDevice(config, dist, /*device_collectives=*/true));
  if (config.precision == "bf16" && !device.is_cuda()) {
    return absl::FailedPreconditionError(
        "train.precision bf16 needs a CUDA device; this rank trains on CPU");
  }
  MICON_ASSIGN_OR_RETURN(const Objective objective,
                         ParseObjective(config.objective));
  const std::string ckpt_dir =
      (fs::path(config.run_dir) / "checkpoints").string();
  if (rank == 0) {
    std::error_code ec;
    fs::create_directories(ckpt_dir, ec);
    if (ec) {
      return absl::PermissionDeniedError(ckpt_dir + ": " + ec.message());
    }
  }
  MICON_RETURN_IF_ERROR(WaitFor(comm.Barrier({}), comm));

  // Where to start: a checkpoint or step 0.
  MICON_ASSIGN_OR_RETURN(std::optional<ResumePoint> resume,
                         FindResumeCheckpoint(ckpt_dir, options.resume, log));
  int64_t start_step = 0;
  SamplerState sampler_start{config.seed, 0};
  if (resume) {
    start_step = resume->state.step;
    const TrainingState& s = resume->state;
    if (s.world_size == world) {
      sampler_start = s.ranks[rank].sampler;
    } else {
      log.Warning(absl::StrCat(
          resume->contents.path, " was written by ", s.world_size,
          " ranks and resumes on ", world,
          ": training continues, but not as the uninterrupted run would"));
      sampler_start = {config.seed, start_step};
    }
    if (absl::StatusOr<TrainConfig> before =
            ParseTrainConfig(s.config_yaml, resume->contents.path, {});
        before.ok()) {
      std::vector<std::string> changed;
      for (const std::string& key : DifferingKeys(*before, config)) {
        if (!HarmlessChange(key)) changed.push_back(key);
      }
      if (!changed.empty() && rank == 0) {
        log.Warning("resuming with changed settings: " +
                    absl::StrJoin(changed, ", "));
      }
    }
  }
  if (start_step >= config.steps) {
    log.Info(absl::StrCat("the run already completed ", start_step,
                          " of train.steps ", config.steps, "; nothing to do"));
    return TrainResult{start_step, false, 0};
  }

  MICON_ASSIGN_OR_RETURN(
      TrainingInputs inputs,
      PrepareTrainingInputs(config, comm, sampler_start, log));
  log.Info(inputs.summary);
  torch::manual_seed(config.seed);
  MiconModel model(ModelOptionsFor(config, inputs, &comm));
  if (!config.pretrained.empty()) {
    if (config.input != "images") {
      return absl::InvalidArgumentError(
          "model.pretrained is for image encoders (data.input: images)");
    }
    auto& image = dynamic_cast<ImageEncoderImpl&>(model->encoder());
    MICON_RETURN_IF_ERROR(
        LoadTorchvisionWeights(*image.trunk(), config.pretrained));
  }
  model->to(device);
  model->train();
  std::vector<torch::Tensor> params = model->ParametersFor(objective);
  torch::optim::AdamW optimizer(params,
                                torch::optim::AdamWOptions(config.lr)
                                    .betas({config.betas[0], config.betas[1]})
                                    .eps(config.eps)
                                    .weight_decay(config.weight_decay));
  LrSchedule schedule(ScheduleOptions(config));

  if (resume) {
    MICON_RETURN_IF_ERROR(LoadModuleState(resume->contents.model, *model));
    MICON_RETURN_IF_ERROR(
        LoadOptimizerState(resume->contents.optimizer, optimizer));
    schedule.Restore(resume->state.schedule);
    const TrainingState& s = resume->state;
    MICON_RETURN_IF_ERROR(RestoreRngState(
        s.ranks[static_cast<size_t>(rank) % s.ranks.size()].rng));
    if (ModuleChecksum(*model) != s.model_checksum) {
      return absl::DataLossError(
          resume->contents.path +
          ": the loaded parameters do not match the checksum saved with them");
    }
    MICON_RETURN_IF_ERROR(VerifyModuleIdentical(comm, *model));
    log.Info(absl::StrCat("resumed from ", resume->contents.path, " at step ",
                          start_step, "; parameters identical on all ", world,
                          " ranks"));
  } else {
    MICON_RETURN_IF_ERROR(BroadcastModule(comm, *model));
    MICON_RETURN_IF_ERROR(VerifyModuleIdentical(comm, *model));
  }

  TrainingState state;  // filled in at each checkpoint
  state.config_yaml = ResolvedConfigYaml(config);
  std::unique_ptr<MetricsLog> metrics;
  if (rank == 0) {
    MICON_RETURN_IF_ERROR(
        WriteFileAtomically((fs::path(config.run_dir) / "config.yaml").string(),
                            state.config_yaml));
    MICON_ASSIGN_OR_RETURN(
        MetricsLog opened,
        MetricsLog::Open((fs::path(config.run_dir) / "metrics.jsonl").string(),
                         start_step));
    metrics = std::make_unique<MetricsLog>(std::move(opened));
  }
  log.Info(absl::StrCat(
      "training ", config.objective, " on ", config.input, " (",
      config.input == "images"
          ? absl::StrCat(config.arch, " ", config.channel_mode, " ",
                         config.norm)
          : std::string("MLP"),
      "), ", world, " rank(s) x ", threads, " thread(s) on ", device.str(),
      ", backend ", dist.backend, ", global batch ", world * config.batch_size,
      ", steps ", start_step, " -> ", config.steps));

  GradientReducer reducer(comm, params, {});
  DistributedGather gather(comm);
  StepLossOptions loss_options;
  loss_options.objective = objective;
  loss_options.temperature = config.temperature;
  loss_options.lambda = config.lambda;
  const double clip = config.grad_clip_norm > 0
                          ? config.grad_clip_norm
                          : std::numeric_limits<double>::infinity();

  auto checkpoint = [&](int64_t completed) -> absl::Status {
    state.step = completed;
    state.schedule = schedule.state();
    state.model_checksum = ModuleChecksum(*model);
    return SaveRunCheckpoint(comm, ckpt_dir, config.checkpoint_keep_last,
                             *model, optimizer, inputs.source->state(), state);
  };

  auto last_checkpoint = Clock::now();
  auto window_start = Clock::now();
  double window_samples = 0, window_wait = 0;
  int64_t window_steps = 0;
  TrainResult result;
  result.steps_completed = start_step;
  for (int64_t step = start_step; step < config.steps; ++step) {
    const auto step_start = Clock::now();
    MICON_ASSIGN_OR_RETURN(LoadedBatch loaded, inputs.source->Next());
    const StepBatch batch = ToDevice(loaded.batch, device);
    for (torch::Tensor& p : params) p.mutable_grad() = torch::Tensor();
    LossParts parts;
    {
      AutocastScope autocast(
          config.precision == "bf16" ? torch::kBFloat16 : torch::kFloat,
          device);
      parts = ComputeStepLoss(*model, batch, loss_options, gather);
    }
    (parts.total * static_cast<double>(world)).backward();
    MICON_RETURN_IF_ERROR(reducer.Synchronize());

    const torch::Tensor* part_tensors[] = {&parts.total, &parts.paclr,
                                           &parts.counterfactual, &parts.simclr,
                                           &parts.clip};
    torch::Tensor stats = torch::zeros({kN}, torch::kDouble);
    auto s = stats.accessor<double, 1>();
    bool has[kN] = {};
    for (int k = kTotal; k <= kClip; ++k) {
      has[k] = part_tensors[k]->defined();
      if (has[k])
        s[k] = part_tensors[k]->detach().to(torch::kCPU).item<double>();
    }
    s[kSamples] = static_cast<double>(loaded.images);
    s[kStop] = signals.requested() ? 1 : 0;
    const bool time_due =
        config.checkpoint_every_minutes > 0 &&
        std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >=
            60 * config.checkpoint_every_minutes;
    s[kCkpt] = rank == 0 && time_due ? 1 : 0;  // rank 0's clock decides
    MICON_RETURN_IF_ERROR(WaitFor(comm.AllReduce(stats, {}), comm));
    double global[kN];
    for (int k = 0; k < kN; ++k) global[k] = s[k];
    if (!std::isfinite(global[kTotal])) {
      return absl::InternalError(absl::StrCat(
          "step ", step + 1, ": the loss is ", global[kTotal], " (paclr ",
          global[kPaclr], ", counterfactual ", global[kCf],
          "); no checkpoint written. Lower optimizer.lr or check the data"));
    }
    const double grad_norm = torch::nn::utils::clip_grad_norm_(params, clip);
    const double lr = schedule.LearningRate(step);
    for (auto& group : optimizer.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
    optimizer.step();
    schedule.ObserveLoss(step, global[kTotal]);
    const int64_t completed = step + 1;
    result.steps_completed = completed;
    result.final_loss = global[kTotal];

    const double step_seconds =
        std::chrono::duration<double>(Clock::now() - step_start).count();
    window_samples += global[kSamples];
    window_wait += loaded.wait_seconds;
    ++window_steps;
    if (metrics) {
      nlohmann::json record = {{"step", completed},
                               {"lr", lr},
                               {"grad_norm", grad_norm},
                               {"samples", global[kSamples]},
                               {"step_seconds", step_seconds},
                               {"data_wait_seconds", loaded.wait_seconds}};
      for (int k = kTotal; k <= kClip; ++k) {
        if (has[k]) record[kPartNames[k]] = global[k];
      }
      MICON_RETURN_IF_ERROR(metrics->Append(record));
    }
    if (completed % config.log_every == 0 || completed == config.steps ||
        completed == start_step + 1) {
      const double elapsed =
          std::chrono::duration<double>(Clock::now() - window_start).count();
      log.Info(ProgressLine(completed, config.steps, global, has, lr,
                            window_samples / elapsed, window_wait / elapsed,
                            elapsed / static_cast<double>(window_steps) *
                                static_cast<double>(config.steps - completed)));
      window_start = Clock::now();
      window_samples = window_wait = 0;
      window_steps = 0;
    }

    const bool stop = global[kStop] > 0;
    const bool due = global[kCkpt] > 0 || completed == config.steps || stop ||
                     (config.checkpoint_every_steps > 0 &&
                      completed % config.checkpoint_every_steps == 0);
    if (due) {
      MICON_RETURN_IF_ERROR(checkpoint(completed));
      last_checkpoint = Clock::now();
    }
    if (stop && completed < config.steps) {
      log.Info(absl::StrCat("stop signal received: checkpointed step ",
                            completed, " in ", ckpt_dir, "; exiting with ",
                            kExitRequeue, " (requeue, then --resume latest)"));
      result.stopped = true;
      return result;
    }
  }
  if (rank == 0) {
    const std::string png = (fs::path(config.run_dir) / "loss.png").string();
    if (absl::Status plotted = WriteLossPlot(metrics->path(), png);
        plotted.ok()) {
      log.Info("loss curve: " + png);
    } else {
      log.Warning("no loss curve: " + std::string(plotted.message()));
    }
    log.Info(absl::StrFormat("finished %d steps; final loss %.4f; run in %s",
                             config.steps, result.final_loss, config.run_dir));
  }
  return result;
}

}  // namespace micon
