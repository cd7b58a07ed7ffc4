// component_options.h: the option structs of the parts a training run
// assembles, each built from the run's configuration by one function.
//
//   BatchSampler::Create(plates, shard, labels, SamplerOptionsFor(config, rank, world));
//   LrSchedule schedule(ScheduleOptionsFor(config));
//   torch::optim::AdamW optimizer(params, OptimizerOptionsFor(config));
//
// The configuration holds the options of the model (MiconModelOptions), the
// loss (StepLossOptions) and the molecule featuriser itself; these are the
// parts whose options mix several sections (the seed, train.steps) or are
// types the configuration should not depend on.
#ifndef MICON_LAUNCH_TRAIN_COMPONENT_OPTIONS_H_
#define MICON_LAUNCH_TRAIN_COMPONENT_OPTIONS_H_

#include <torch/optim/adamw.h>

#include "core/lr_schedule.h"
#include "data/batch_loader.h"
#include "data/batch_sampler.h"
#include "data/normalized_plate.h"
#include "data/profile_batch_source.h"
#include "data/well_embedding_source.h"
#include "launch/train/train_config.h"

namespace micon {

// The sampling an objective needs (micon and paclr sample entries of treated
// and control images; simclr single images; clip images of distinct
// compounds) with the per-rank batch size and the run's seed.
SamplerOptions SamplerOptionsFor(const TrainConfig& config, int rank,
                                 int world_size);
// `device` is where the model trains: it decides data.augment_on: auto, and
// pinned batches for a GPU.
LoaderOptions LoaderOptionsFor(const TrainConfig& config,
                               const c10::Device& device);
// The run's pixel normalisation (data.pixel_normalization and its control
// sample), as training and every later embedding of the run's model see it.
PixelNormalizationOptions PixelNormalizationFor(const TrainConfig& config);
ProfileSourceOptions ProfileSourceOptionsFor(const TrainConfig& config);
WellSourceOptions WellSourceOptionsFor(const TrainConfig& config);
LrScheduleOptions ScheduleOptionsFor(const TrainConfig& config);
torch::optim::AdamWOptions OptimizerOptionsFor(const TrainConfig& config);
// The gradient-norm bound; infinite when optimizer.grad_clip_norm is 0.
double GradientClipFor(const TrainConfig& config);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_COMPONENT_OPTIONS_H_
