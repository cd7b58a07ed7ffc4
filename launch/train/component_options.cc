#include "launch/train/component_options.h"

#include <limits>

namespace micon {
namespace {

SamplingMode ModeFor(Objective objective) {
  switch (objective) {
    case Objective::kSimclr:
      return SamplingMode::kSimclr;
    case Objective::kClip:
    case Objective::kCellclip:
      return SamplingMode::kClip;
    case Objective::kMicon:
    case Objective::kPaclr:
      return SamplingMode::kMicon;
  }
  return SamplingMode::kMicon;
}

}  // namespace

SamplerOptions SamplerOptionsFor(const TrainConfig& config, int rank,
                                 int world_size) {
  return {ModeFor(config.loss.objective), config.samples_per_rank(),
          config.run.seed, rank, world_size};
}

LoaderOptions LoaderOptionsFor(const TrainConfig& config,
                               const c10::Device& device) {
  LoaderOptions o;
  const AugmentOn on = config.data.augment_on;
  o.raw_views =
      on == AugmentOn::kDevice || (on == AugmentOn::kAuto && device.is_cuda());
  o.pin_memory = device.is_cuda();
  o.workers = config.data.workers;
  o.prefetch = config.data.prefetch;
  o.open_plates = config.data.open_plates;
  o.output_size = config.data.image_size;
  o.augment = config.data.augment;
  o.min_crop_area = config.data.min_crop_area;
  o.intensity_jitter = config.data.intensity_jitter;
  o.seed = config.run.seed;
  o.normalization = PixelNormalizationFor(config);
  return o;
}

PixelNormalizationOptions PixelNormalizationFor(const TrainConfig& config) {
  PixelNormalizationOptions o;
  o.kind = config.data.pixel_normalization;
  o.control_images_for_stats = config.data.control_images_for_stats;
  return o;
}

WellSourceOptions WellSourceOptionsFor(const TrainConfig& config) {
  return {config.data.fields_per_well, config.run.seed};
}

ProfileSourceOptions ProfileSourceOptionsFor(const TrainConfig& config) {
  ProfileSourceOptions o;
  o.normalize_by_controls = config.data.profile_normalize;
  o.augment = config.data.augment;
  o.noise = config.data.profile_noise;
  o.feature_dropout = config.data.profile_feature_dropout;
  o.seed = config.run.seed;
  return o;
}

LrScheduleOptions ScheduleOptionsFor(const TrainConfig& config) {
  const ScheduleSection& s = config.schedule;
  LrScheduleOptions o;
  o.kind = s.kind;
  o.lr = config.optimizer.lr;
  o.min_lr = s.min_lr;
  o.warmup_steps = s.warmup_steps;
  o.total_steps = config.train.steps;
  o.plateau_factor = s.plateau_factor;
  o.plateau_patience = s.plateau_patience;
  o.plateau_threshold = s.plateau_threshold;
  o.plateau_cooldown = s.plateau_cooldown;
  o.plateau_window = s.plateau_window;
  return o;
}

torch::optim::AdamWOptions OptimizerOptionsFor(const TrainConfig& config) {
  const OptimizerSection& o = config.optimizer;
  return torch::optim::AdamWOptions(o.lr)
      .betas({o.betas[0], o.betas[1]})
      .eps(o.eps)
      .weight_decay(o.weight_decay);
}

double GradientClipFor(const TrainConfig& config) {
  return config.optimizer.grad_clip_norm > 0
             ? config.optimizer.grad_clip_norm
             : std::numeric_limits<double>::infinity();
}

}  // namespace micon
