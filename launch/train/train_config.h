// train_config.h: everything `micon train` can be told, parsed once into
// typed values.
//
//   MICON_ASSIGN_OR_RETURN(TrainConfig c,
//       LoadTrainConfig("run.yaml", {"train.steps=200", "data.workers=4"}));
//   c.loss.objective;                  // Objective::kMicon: an enum
//   c.model.spec.image.resnet.depth;   // 18, from model.arch: resnet18
//   std::string yaml = ResolvedConfigYaml(c);  // written to the run directory
//
// The YAML file holds sections (run, data, model, loss, molecule, optimizer,
// schedule, train, checkpoint, distributed) of scalar or list keys; `--set
// section.key=value` overrides one key after the file is read (the value is
// read as YAML, so lists are `[1024, 512]`). An unknown key, a value of the
// wrong type, or a value outside its range is an error naming the key (and
// the file). The schema (config_schema.h) is the one table of keys: each row
// reads, checks, writes and documents one key, and docs/CONFIG.md lists the
// same keys (a test keeps the two in step).
//
// Where a component takes an option struct, the config holds it (the model's
// MiconModelOptions, the loss's StepLossOptions, the featuriser's options);
// the others are built from the config by one function each
// (component_options.h).
#ifndef MICON_LAUNCH_TRAIN_TRAIN_CONFIG_H_
#define MICON_LAUNCH_TRAIN_TRAIN_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/autocast_scope.h"
#include "core/lr_schedule.h"
#include "core/micon_model.h"
#include "core/micon_step_loss.h"
#include "core/objective.h"
#include "data/compound_features.h"
#include "data/dataset.h"
#include "data/molecule_featurizer.h"
#include "data/pixel_normalization.h"
#include "distributed/bootstrap.h"
#include "launch/train/compute_device.h"

namespace micon {

struct RunSection {
  std::string dir;
  uint64_t seed = 0;
};

// Where views are normalised, resampled and augmented (data.augment_on).
// What data.batch_size counts: each objective's own sample (a MICON/PaCLR
// entry, a SimCLR or CLIP image), or encoder forward passes (images, views
// included), the same budget whatever the objective.
enum class BatchUnit { kSamples, kImages };
inline constexpr EnumName<BatchUnit> kBatchUnitNames[] = {
    {"samples", BatchUnit::kSamples}, {"images", BatchUnit::kImages}};

// Encoder forward passes one sample of the objective costs: a MICON/PaCLR
// entry is 2 treated + 2 control images, a SimCLR image 2 views, a CLIP
// image 1 (its molecule goes through the molecule encoder).
inline constexpr int EncoderPassesPerSample(Objective objective) {
  switch (objective) {
    case Objective::kMicon:
    case Objective::kPaclr:
      return 4;
    case Objective::kSimclr:
      return 2;
    case Objective::kClip:
    case Objective::kCellclip:  // a well: its fields' vectors, no encoder
      return 1;
  }
  return 1;
}

enum class AugmentOn { kAuto, kLoader, kDevice };

inline constexpr EnumName<AugmentOn> kAugmentOnNames[] = {
    {"auto", AugmentOn::kAuto},
    {"loader", AugmentOn::kLoader},
    {"device", AugmentOn::kDevice}};

struct DataSection {
  std::string dataset;  // a plate store folder or a profile table file
  DatasetSplit split = DatasetSplit::kTrain;
  int64_t batch_size = 8;
  BatchUnit batch_unit = BatchUnit::kSamples;
  int64_t image_size = 0;
  int workers = 2;
  int prefetch = 4;
  int open_plates = 128;
  bool augment = true;
  AugmentOn augment_on = AugmentOn::kAuto;
  double min_crop_area = 0.5;
  double intensity_jitter = 0.1;
  PixelNormalization pixel_normalization = PixelNormalization::kPlateControls;
  int control_images_for_stats = 16;
  bool profile_normalize = true;
  double profile_noise = 0.1;
  double profile_feature_dropout = 0.1;
  int64_t fields_per_well = 0;  // embeddings: 0 = every field of a well
  bool strict = false;          // data-quality warnings are errors
};

struct ModelSection {
  // Everything but the data's sizes (core/model_spec.h); data.input is
  // spec.input, loss.clip_* are spec.clip_*.
  MiconModelOptions spec;
  std::string pretrained;  // torchvision weights file; empty = random init
};

struct MoleculeSection {
  FeaturizerOptions featurizer{/*radius=*/2, /*bits=*/1024};
  InvalidSmilesPolicy invalid_smiles = InvalidSmilesPolicy::kError;
};

struct OptimizerSection {
  double lr = 1e-3;
  double weight_decay = 0.05;
  std::vector<double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double grad_clip_norm = 1.0;  // 0 = off
};

struct ScheduleSection {
  ScheduleKind kind = ScheduleKind::kCosine;
  int64_t warmup_steps = 0;
  double min_lr = 0.0;
  double plateau_factor = 0.5;
  int64_t plateau_patience = 5;
  double plateau_threshold = 1e-4;
  int64_t plateau_cooldown = 0;
  int64_t plateau_window = 50;
};

// What a step with a non-finite loss or gradient does (train.nonfinite).
enum class NonFinitePolicy { kStop, kSkip };

inline constexpr EnumName<NonFinitePolicy> kNonFinitePolicyNames[] = {
    {"stop", NonFinitePolicy::kStop}, {"skip", NonFinitePolicy::kSkip}};

struct TrainSection {
  int64_t steps = 100;
  int64_t log_every = 10;
  Precision precision = Precision::kFp32;
  DeviceChoice device = DeviceChoice::kAuto;
  int threads = 0;  // 0 = the node's cores divided by its ranks
  NonFinitePolicy nonfinite = NonFinitePolicy::kStop;
};

struct CheckpointSection {
  int64_t every_steps = 0;
  double every_minutes = 30;
  int keep_last = 3;
};

struct DistributedSection {
  Backend backend = Backend::kAuto;
  double timeout_seconds = 600;
  bool overlap_gradients = true;
  // At world 1 only: train on the concatenated batches this many ranks would
  // draw (their shards and streams), to check the N-rank invariant end to end;
  // 1 is off.
  int64_t emulate_ranks = 1;
};

struct TrainConfig {
  RunSection run;
  DataSection data;
  ModelSection model;
  StepLossOptions loss;  // objective, temperature, lambda
  MoleculeSection molecule;
  OptimizerSection optimizer;
  ScheduleSection schedule;
  TrainSection train;
  CheckpointSection checkpoint;
  DistributedSection distributed;

  bool images() const { return model.spec.input == InputKind::kImages; }
  bool embeddings() const { return model.spec.input == InputKind::kEmbeddings; }
  // The objective's samples per rank and step: data.batch_size, or, when it
  // counts images, data.batch_size / the passes one sample costs.
  int64_t samples_per_rank() const {
    return data.batch_unit == BatchUnit::kSamples
               ? data.batch_size
               : data.batch_size / EncoderPassesPerSample(loss.objective);
  }
};

// One key of the schema: its name, default (as YAML) and meaning.
struct ConfigKey {
  std::string key;            // section.name
  std::string default_value;  // as YAML
  std::string help;
};

// Every key in file order, with its default and meaning.
std::vector<ConfigKey> ConfigSchema();

// Reads `path` (may be empty: defaults only), applies `overrides`
// ("section.key=value"), and validates. Errors name the key and the file.
absl::StatusOr<TrainConfig> LoadTrainConfig(
    const std::string& path, const std::vector<std::string>& overrides);
absl::StatusOr<TrainConfig> ParseTrainConfig(
    const std::string& yaml, const std::string& origin,
    const std::vector<std::string>& overrides);

// The whole configuration, every key explicit, as YAML.
std::string ResolvedConfigYaml(const TrainConfig& config);

// Keys whose values differ between two configurations (for resuming).
std::vector<std::string> DifferingKeys(const TrainConfig& a,
                                       const TrainConfig& b);

// One line for logs: "micon on images (resnet18 per_channel sync_batch)".
std::string DescribeModel(const TrainConfig& config);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAIN_CONFIG_H_
