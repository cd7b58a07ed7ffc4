// train_config.h: everything `micon train` can be told, with its defaults, as
// one documented schema.
//
//   MICON_ASSIGN_OR_RETURN(TrainConfig c,
//       LoadTrainConfig("run.yaml", {"train.steps=200", "data.workers=4"}));
//   std::string yaml = ResolvedConfigYaml(c);   // written to the run directory
//
// The YAML file holds sections (run, data, model, loss, molecule, optimizer,
// schedule, train, checkpoint, distributed) of scalar or list keys; `--set
// section.key=value` overrides one key after the file is read (the value is
// read as YAML, so lists are `[1024, 512]`). An unknown key, a value of the
// wrong type, or a value outside its range is an error naming the key (and the
// file). Every key, its default and its meaning is listed by ConfigSchema();
// docs/CONFIG.md documents the same keys (a test keeps the two in step).
#ifndef MICON_LAUNCH_TRAIN_CONFIG_H_
#define MICON_LAUNCH_TRAIN_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct TrainConfig {
  // run
  std::string run_dir;
  uint64_t seed = 0;
  // data
  std::string dataset;
  std::string input = "images";  // images | profiles
  std::string split = "train";   // train | all
  int64_t batch_size = 8;
  int64_t image_size = 0;
  int workers = 2;
  int prefetch = 4;
  bool augment = true;
  double min_crop_area = 0.5;
  double intensity_jitter = 0.1;
  int control_images_for_stats = 16;
  bool profile_normalize = true;
  double profile_noise = 0.1;
  double profile_feature_dropout = 0.1;
  // model
  std::string arch = "resnet18";
  std::string channel_mode = "per_channel";
  std::string norm = "sync_batch";
  std::string pretrained;
  int trainable_stages = 4;
  std::vector<int64_t> profile_hidden = {1024};
  int64_t profile_dim = 512;
  double profile_dropout = 0.0;
  std::vector<int64_t> projection_hidden = {2048};
  int64_t projection_dim = 512;
  std::vector<int64_t> molecule_hidden = {1024};
  int64_t molecule_dim = 512;
  std::vector<int64_t> generator_hidden = {1024};
  // loss
  std::string objective = "micon";
  double temperature = 1.0;
  double lambda = 1.0;
  double clip_temperature = 0.07;
  bool clip_learnable_temperature = true;
  // molecule
  int molecule_radius = 2;
  int molecule_bits = 1024;
  bool molecule_counts = false;
  bool molecule_descriptors = false;
  std::string invalid_smiles = "error";  // error | exclude
  // optimizer
  double lr = 1e-3;
  double weight_decay = 0.05;
  std::vector<double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double grad_clip_norm = 1.0;
  // schedule
  std::string schedule = "cosine";
  int64_t warmup_steps = 0;
  double min_lr = 0.0;
  double plateau_factor = 0.5;
  int64_t plateau_patience = 5;
  double plateau_threshold = 1e-4;
  int64_t plateau_cooldown = 0;
  int64_t plateau_window = 50;
  // train
  int64_t steps = 100;
  int64_t log_every = 10;
  std::string precision = "fp32";  // fp32 | bf16
  std::string device = "auto";     // auto | cpu | cuda
  int threads = 0;
  // checkpoint
  int64_t checkpoint_every_steps = 0;
  double checkpoint_every_minutes = 30;
  int checkpoint_keep_last = 3;
  // distributed
  std::string backend = "auto";
  double collective_timeout_seconds = 600;
};

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

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_CONFIG_H_
