#include "launch/train/training_session.h"

#include <torch/torch.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/rng_state.h"
#include "core/model_spec.h"
#include "core/resnet_weights.h"
#include "core/status_macros.h"
#include "data/random_stream.h"
#include "distributed/communicator_sum.h"
#include "distributed/parameter_sync.h"
#include "launch/train/component_options.h"
#include "launch/train/compute_device.h"
#include "launch/train/run_checkpoint.h"

namespace micon {
namespace {

// Keys that may change between a checkpoint and its continuation without
// changing what is computed.
bool HarmlessChange(const std::string& key) {
  return key == "train.steps" || key == "train.log_every" ||
         key == "train.threads" || key == "data.workers" ||
         key == "data.strict" || key == "data.prefetch" ||
         key == "data.open_plates" || key.rfind("checkpoint.", 0) == 0 ||
         key == "distributed.timeout_seconds" ||
         key == "distributed.overlap_gradients";
}

// The sampler state this rank continues from, with the warnings a resume
// deserves (another world size, changed settings).
SamplerState ContinueFrom(const std::optional<ResumePoint>& resume,
                          const TrainConfig& config, int rank, int world,
                          const RunLog& log) {
  if (!resume) return {config.run.seed, 0};
  const TrainingState& s = resume->state;
  SamplerState start = {config.run.seed, s.step};
  if (s.world_size == world) {
    start = s.ranks[static_cast<size_t>(rank)].sampler;
  } else if (rank == 0) {
    const int64_t per_rank = config.data.batch_size;
    log.Warning(absl::StrCat(
        resume->contents.path, " was written by ", s.world_size,
        " ranks and resumes on ", world,
        ": training continues, but not as the uninterrupted run would (the "
        "plates are sharded anew and every rank's stream restarts at step ",
        s.step, "); the global batch is now ", world * per_rank,
        " entries instead of ", s.world_size * per_rank,
        (s.world_size * per_rank) % world == 0
            ? absl::StrCat(" (data.batch_size=",
                           s.world_size * per_rank / world, " keeps it)")
            : std::string()));
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
  return start;
}

// The model of `config` for `inputs`, seeded by run.seed, with pretrained
// weights when asked, on `device`, in training mode.
absl::StatusOr<MiconModel> BuildModel(const TrainConfig& config,
                                      const ModelInputs& inputs,
                                      Communicator& comm,
                                      const c10::Device& device) {
  torch::manual_seed(config.run.seed);
  std::shared_ptr<CrossRankSum> sync;
  if (comm.world_size() > 1) sync = std::make_shared<CommunicatorSum>(comm);
  MiconModel model(ModelOptionsFor(config.model.spec, inputs, sync));
  if (!config.model.pretrained.empty()) {
    auto& image = dynamic_cast<ImageEncoderImpl&>(model->encoder());
    MICON_RETURN_IF_ERROR(
        LoadTorchvisionWeights(*image.trunk(), config.model.pretrained));
  }
  model->to(device);
  model->train();
  return model;
}

// Model, optimiser, schedule and RNG as the checkpoint left them, verified.
absl::Status Restore(TrainingSession& s, const ResumePoint& resume) {
  MICON_RETURN_IF_ERROR(LoadModuleState(resume.contents.model, *s.model));
  MICON_RETURN_IF_ERROR(
      LoadOptimizerState(resume.contents.optimizer, *s.optimizer));
  s.schedule->Restore(resume.state.schedule);
  const std::vector<RankState>& ranks = resume.state.ranks;
  if (static_cast<int>(ranks.size()) == s.dist.world_size) {
    MICON_RETURN_IF_ERROR(
        RestoreRngState(ranks[static_cast<size_t>(s.dist.rank)].rng, s.device));
  } else {
    // Another world size: no rank's saved generator is this rank's, and
    // sharing one would give every rank the same random draws. A stream of
    // its own, addressed like the sampler's.
    torch::manual_seed(RandomStream(
        s.config.run.seed, {static_cast<uint64_t>(s.dist.rank),
                            static_cast<uint64_t>(resume.state.step)})());
  }
  if (ModuleChecksum(*s.model) != resume.state.model_checksum) {
    return absl::DataLossError(
        resume.contents.path +
        ": the loaded parameters do not match the checksum saved with them");
  }
  return absl::OkStatus();
}

}  // namespace

TrainingSession::TrainingSession(const TrainConfig& config,
                                 DistributedContext& dist, const RunLog& log)
    : config(config), dist(dist), log(log), run(config.run.dir) {}

TrainingSession::~TrainingSession() = default;

absl::Status TrainingSession::Checkpoint(int64_t completed) {
  state.step = completed;
  state.schedule = schedule->state();
  state.model_checksum = ModuleChecksum(*model);
  return SaveRunCheckpoint(
      *dist.comm, run.checkpoints(), config.checkpoint.keep_last, *model,
      *optimizer, {inputs.source->state(), CaptureRngState(device)}, state);
}

absl::StatusOr<std::unique_ptr<TrainingSession>> StartOrResume(
    const TrainConfig& config, const std::string& resume_from,
    DistributedContext& dist, const RunLog& log) {
  Communicator& comm = *dist.comm;
  auto s = std::make_unique<TrainingSession>(config, dist, log);
  StartupTimeline timeline;
  MICON_ASSIGN_OR_RETURN(s->device, ChooseDevice(config.train.device, dist,
                                                 /*device_collectives=*/true));
  if (config.train.precision == Precision::kBf16 && !s->device.is_cuda()) {
    return absl::FailedPreconditionError(
        "train.precision bf16 needs a CUDA device; this rank trains on CPU");
  }
  MICON_RETURN_IF_ERROR(s->run.Create(comm));

  MICON_ASSIGN_OR_RETURN(
      std::optional<ResumePoint> resume,
      FindResumeCheckpoint(s->run.checkpoints(), resume_from, log));
  timeline.Mark("device and run folder");
  s->start_step = resume ? resume->state.step : 0;
  const SamplerState sampler_start =
      ContinueFrom(resume, config, dist.rank, dist.world_size, log);
  if (s->start_step >= config.train.steps) {
    log.Info(absl::StrCat("the run already completed ", s->start_step,
                          " of train.steps ", config.train.steps,
                          "; nothing to do"));
    return s;  // finished(): nothing else is built
  }

  MICON_ASSIGN_OR_RETURN(
      s->inputs, PrepareTrainingInputs(config, s->device, comm, sampler_start,
                                       log, timeline));
  log.Info(s->inputs.summary);
  MICON_ASSIGN_OR_RETURN(
      s->model, BuildModel(config, s->inputs.dimensions, comm, s->device));
  timeline.Mark("model");
  s->params = s->model->ParametersFor(config.loss.objective);
  s->optimizer = std::make_unique<torch::optim::AdamW>(
      s->params, OptimizerOptionsFor(config));
  s->schedule = std::make_unique<LrSchedule>(ScheduleOptionsFor(config));

  if (resume) {
    MICON_RETURN_IF_ERROR(Restore(*s, *resume));
    MICON_RETURN_IF_ERROR(VerifyModuleIdentical(comm, *s->model));
    log.Info(absl::StrCat("resumed from ", resume->contents.path, " at step ",
                          s->start_step, "; parameters identical on all ",
                          dist.world_size, " ranks"));
  } else {
    MICON_RETURN_IF_ERROR(BroadcastModule(comm, *s->model));
    MICON_RETURN_IF_ERROR(VerifyModuleIdentical(comm, *s->model));
  }
  s->state.config_yaml = ResolvedConfigYaml(config);
  GradientReducerOptions reduce;
  reduce.overlap = config.distributed.overlap_gradients;
  s->reducer = std::make_unique<GradientReducer>(comm, s->params, reduce);
  s->gather = std::make_unique<DistributedGather>(comm);
  timeline.Mark(resume ? "restore and verify" : "broadcast and verify");
  log.Info(timeline.Summary());
  return s;
}

}  // namespace micon
