#include "launch/train_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace micon {
namespace {

// A check returns "" when the value is fine, else what it must be.
template <typename T>
using Check = std::function<std::string(const T&)>;

struct Field {
  std::string key;
  std::string help;
  std::function<absl::Status(const YAML::Node&, TrainConfig&)> set;
  std::function<YAML::Node(const TrainConfig&)> get;
};

template <typename T>
const char* TypeName() {
  if constexpr (std::is_same_v<T, bool>) return "true or false";
  if constexpr (std::is_same_v<T, std::string>) return "a string";
  if constexpr (std::is_integral_v<T>) return "an integer";
  if constexpr (std::is_floating_point_v<T>) return "a number";
  if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    return "a list of integers, e.g. [1024, 512]";
  if constexpr (std::is_same_v<T, std::vector<double>>)
    return "a list of numbers, e.g. [0.9, 0.999]";
  return "?";
}

template <typename T>
bool Convert(const YAML::Node& node, T* out) {
  try {
    if constexpr (std::is_same_v<T, std::string>) {
      if (node.IsNull()) {
        out->clear();
        return true;
      }
      if (!node.IsScalar()) return false;
      *out = node.Scalar();
      return true;
    } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                         std::is_same_v<T, std::vector<double>>) {
      if (!node.IsSequence()) return false;
      out->clear();
      for (const YAML::Node& item : node) {
        out->push_back(item.as<typename T::value_type>());
      }
      return true;
    } else {
      if (!node.IsScalar()) return false;
      *out = node.as<T>();
      return true;
    }
  } catch (const YAML::Exception&) {
    return false;
  }
}

template <typename T>
Field Make(const std::string& key, T TrainConfig::*member, Check<T> check,
           const std::string& help) {
  Field f;
  f.key = key;
  f.help = help;
  f.set = [key, member, check](const YAML::Node& node,
                               TrainConfig& config) -> absl::Status {
    T value;
    if (!Convert(node, &value)) {
      std::string shown = node.IsScalar() ? node.Scalar() : YAML::Dump(node);
      return absl::InvalidArgumentError(absl::StrCat(
          key, ": expected ", TypeName<T>(), ", got '", shown, "'"));
    }
    if (check) {
      const std::string problem = check(value);
      if (!problem.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            key, ": ", problem, ", got '",
            node.IsScalar() ? node.Scalar() : YAML::Dump(node), "'"));
      }
    }
    config.*member = value;
    return absl::OkStatus();
  };
  f.get = [member](const TrainConfig& config) {
    YAML::Node node(config.*member);
    if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                  std::is_same_v<T, std::vector<double>>) {
      node.SetStyle(YAML::EmitterStyle::Flow);
    }
    return node;
  };
  return f;
}

template <typename T>
Check<T> AtLeast(T lo) {
  return [lo](const T& v) {
    return v >= lo ? std::string() : absl::StrCat("must be >= ", lo);
  };
}
Check<double> Between(double lo, double hi) {  // [lo, hi]
  return [lo, hi](const double& v) {
    return v >= lo && v <= hi ? std::string()
                              : absl::StrCat("must be in [", lo, ", ", hi, "]");
  };
}
Check<double> Positive() {
  return [](const double& v) {
    return v > 0 ? std::string() : std::string("must be > 0");
  };
}
Check<std::string> OneOf(std::vector<std::string> choices) {
  return [choices](const std::string& v) {
    return std::find(choices.begin(), choices.end(), v) != choices.end()
               ? std::string()
               : "must be one of " + absl::StrJoin(choices, ", ");
  };
}
Check<std::vector<int64_t>> PositiveWidths() {
  return [](const std::vector<int64_t>& v) {
    for (int64_t w : v) {
      if (w < 1) return std::string("every width must be >= 1");
    }
    return std::string();
  };
}

const std::vector<Field>& Fields() {
  using C = TrainConfig;
  static const std::vector<Field> fields = {
      Make<std::string>("run.dir", &C::run_dir, nullptr,
                        "Run directory: config.yaml, metrics.jsonl, "
                        "checkpoints/, loss.png. Required."),
      Make<uint64_t>("run.seed", &C::seed, nullptr,
                     "Seed of parameter initialisation, sampling and "
                     "augmentation."),
      Make<std::string>("data.dataset", &C::dataset, nullptr,
                        "Plate store folder (input images) or profile CSV "
                        "(input profiles). Required."),
      Make<std::string>("data.input", &C::input, OneOf({"images", "profiles"}),
                        "images: ResNet on plate images; profiles: MLP on "
                        "feature vectors."),
      Make<std::string>("data.split", &C::split, OneOf({"train", "all"}),
                        "train: only screen.json's train_plates, without its "
                        "held_out_compounds (needs screen.json); all: every "
                        "plate and compound."),
      Make<int64_t>("data.batch_size", &C::batch_size, AtLeast<int64_t>(1),
                    "Per rank: MICON/PaCLR entries (2 treated + 2 control "
                    "images each), or images (SimCLR, CLIP). The global batch "
                    "is world size x this."),
      Make<int64_t>("data.image_size", &C::image_size, AtLeast<int64_t>(0),
                    "Side of the square training crops in pixels; 0 = the "
                    "plates' smaller side."),
      Make<int>("data.workers", &C::workers, AtLeast(1),
                "Loader threads per rank."),
      Make<int>("data.prefetch", &C::prefetch, AtLeast(1),
                "Batches built ahead of the trainer."),
      Make<bool>("data.augment", &C::augment, nullptr,
                 "Random resized crops, flips, rotations and intensity jitter "
                 "(images); noise and feature dropout (profiles)."),
      Make<double>("data.min_crop_area", &C::min_crop_area, Between(0.01, 1),
                   "Smallest share of the field a random crop keeps."),
      Make<double>("data.intensity_jitter", &C::intensity_jitter, Between(0, 1),
                   "Per-channel gain and offset jitter."),
      Make<int>("data.control_images_for_stats", &C::control_images_for_stats,
                AtLeast(1),
                "Control images per plate used for its per-channel "
                "normalisation."),
      Make<bool>("data.profile_normalize", &C::profile_normalize, nullptr,
                 "Standardise each profile feature on the plate's control "
                 "rows."),
      Make<double>("data.profile_noise", &C::profile_noise, Between(0, 10),
                   "Std of Gaussian noise added to profile samples."),
      Make<double>("data.profile_feature_dropout", &C::profile_feature_dropout,
                   Between(0, 0.95),
                   "Share of profile features zeroed per sample."),
      Make<std::string>(
          "model.arch", &C::arch,
          OneOf({"resnet18", "resnet34", "resnet50", "resnet101"}),
          "Image encoder trunk (the reference uses resnet101)."),
      Make<std::string>("model.channel_mode", &C::channel_mode,
                        OneOf({"per_channel", "multi_channel"}),
                        "per_channel: each stain through one shared ResNet, "
                        "vectors concatenated (the reference); multi_channel: "
                        "one ResNet over all stains."),
      Make<std::string>("model.norm", &C::norm,
                        OneOf({"sync_batch", "batch", "group"}),
                        "sync_batch: BatchNorm with statistics over all ranks "
                        "(N ranks = one process); batch: per-rank BatchNorm; "
                        "group: GroupNorm (batch-independent)."),
      Make<std::string>("model.pretrained", &C::pretrained, nullptr,
                        "Torchvision weights exported by "
                        "deploy/export_torchvision_weights.py; empty = random "
                        "initialisation."),
      Make<int>(
          "model.trainable_stages", &C::trainable_stages,
          [](const int& v) {
            return v >= 0 && v <= 5 ? std::string()
                                    : std::string("must be in 0..5");
          },
          "ResNet stages that train, counted from the top (1 = only "
          "layer4, the reference; 5 = everything incl. the stem)."),
      Make<std::vector<int64_t>>("model.profile_hidden", &C::profile_hidden,
                                 PositiveWidths(),
                                 "Hidden widths of the profile encoder MLP."),
      Make<int64_t>("model.profile_dim", &C::profile_dim, AtLeast<int64_t>(1),
                    "Width of h for profile input."),
      Make<double>("model.profile_dropout", &C::profile_dropout,
                   Between(0, 0.95), "Dropout in the profile encoder."),
      Make<std::vector<int64_t>>("model.projection_hidden",
                                 &C::projection_hidden, PositiveWidths(),
                                 "Hidden widths of the projection head P."),
      Make<int64_t>("model.projection_dim", &C::projection_dim,
                    AtLeast<int64_t>(1), "Width of z = P(h)."),
      Make<std::vector<int64_t>>("model.molecule_hidden", &C::molecule_hidden,
                                 PositiveWidths(),
                                 "Hidden widths of the molecule encoder M."),
      Make<int64_t>("model.molecule_dim", &C::molecule_dim, AtLeast<int64_t>(1),
                    "Width of m = M(fingerprint)."),
      Make<std::vector<int64_t>>("model.generator_hidden", &C::generator_hidden,
                                 PositiveWidths(),
                                 "Hidden widths of the generator G."),
      Make<std::string>("loss.objective", &C::objective,
                        OneOf({"micon", "paclr", "simclr", "clip"}),
                        "micon: PaCLR + counterfactual; paclr; simclr; clip."),
      Make<double>("loss.temperature", &C::temperature, Positive(),
                   "Temperature of PaCLR, counterfactual PaCLR and NT-Xent "
                   "(the reference uses 1.0)."),
      Make<double>("loss.lambda", &C::lambda, AtLeast(0.0),
                   "Weight of the counterfactual loss."),
      Make<double>("loss.clip_temperature", &C::clip_temperature, Positive(),
                   "CLIP's (initial) temperature."),
      Make<bool>("loss.clip_learnable_temperature",
                 &C::clip_learnable_temperature, nullptr,
                 "Learn CLIP's temperature (logit scale capped at 100)."),
      Make<int>("molecule.radius", &C::molecule_radius, AtLeast(0),
                "Morgan fingerprint radius."),
      Make<int>("molecule.bits", &C::molecule_bits, AtLeast(8),
                "Folded fingerprint length (the reference: 1024)."),
      Make<bool>("molecule.counts", &C::molecule_counts, nullptr,
                 "Folded counts instead of bits."),
      Make<bool>("molecule.descriptors", &C::molecule_descriptors, nullptr,
                 "Append 13 RDKit descriptors."),
      Make<std::string>("molecule.invalid_smiles", &C::invalid_smiles,
                        OneOf({"error", "exclude"}),
                        "error: an unparsable SMILES stops the run; exclude: "
                        "its compound is left out, with a warning."),
      Make<double>("optimizer.lr", &C::lr, Positive(),
                   "AdamW peak learning rate."),
      Make<double>("optimizer.weight_decay", &C::weight_decay, AtLeast(0.0),
                   "AdamW decoupled weight decay."),
      Make<std::vector<double>>(
          "optimizer.betas", &C::betas,
          [](const std::vector<double>& v) {
            return v.size() == 2 && v[0] >= 0 && v[0] < 1 && v[1] >= 0 &&
                           v[1] < 1
                       ? std::string()
                       : std::string("must be two numbers in [0, 1)");
          },
          "AdamW betas."),
      Make<double>("optimizer.eps", &C::eps, Positive(), "AdamW epsilon."),
      Make<double>("optimizer.grad_clip_norm", &C::grad_clip_norm, AtLeast(0.0),
                   "Clip the global gradient norm to this; 0 = off."),
      Make<std::string>("schedule.kind", &C::schedule,
                        OneOf({"cosine", "plateau", "constant"}),
                        "cosine: warmup then cosine to min_lr; plateau: the "
                        "reference's reduce-on-plateau on the training loss; "
                        "constant."),
      Make<int64_t>("schedule.warmup_steps", &C::warmup_steps,
                    AtLeast<int64_t>(0), "Linear warmup steps."),
      Make<double>("schedule.min_lr", &C::min_lr, AtLeast(0.0),
                   "Floor of the learning rate (cosine end, plateau floor)."),
      Make<double>("schedule.plateau_factor", &C::plateau_factor,
                   Between(0.0, 0.999), "Plateau: multiply the lr by this."),
      Make<int64_t>("schedule.plateau_patience", &C::plateau_patience,
                    AtLeast<int64_t>(0),
                    "Plateau: windows without improvement before reducing."),
      Make<double>("schedule.plateau_threshold", &C::plateau_threshold,
                   Between(0, 1), "Plateau: relative improvement that counts."),
      Make<int64_t>("schedule.plateau_cooldown", &C::plateau_cooldown,
                    AtLeast<int64_t>(0),
                    "Plateau: windows to wait after a reduction."),
      Make<int64_t>("schedule.plateau_window", &C::plateau_window,
                    AtLeast<int64_t>(1),
                    "Plateau: steps whose mean loss is one observation."),
      Make<int64_t>("train.steps", &C::steps, AtLeast<int64_t>(1),
                    "Optimiser steps of the whole run (a resumed run "
                    "continues to this)."),
      Make<int64_t>("train.log_every", &C::log_every, AtLeast<int64_t>(1),
                    "Progress line every this many steps (metrics.jsonl gets "
                    "every step)."),
      Make<std::string>("train.precision", &C::precision,
                        OneOf({"fp32", "bf16"}),
                        "bf16: autocast the forward pass to bfloat16 (CUDA "
                        "only); losses and optimiser stay float32."),
      Make<std::string>("train.device", &C::device,
                        OneOf({"auto", "cpu", "cuda"}),
                        "auto: the GPU of this rank's local rank when CUDA is "
                        "available, else CPU."),
      Make<int>("train.threads", &C::threads, AtLeast(0),
                "LibTorch intra-op threads per rank; 0 = the cores of the "
                "node divided by the ranks on it."),
      Make<int64_t>("checkpoint.every_steps", &C::checkpoint_every_steps,
                    AtLeast<int64_t>(0),
                    "Checkpoint every this many steps; 0 = not by steps."),
      Make<double>("checkpoint.every_minutes", &C::checkpoint_every_minutes,
                   AtLeast(0.0),
                   "Checkpoint when this much time passed since the last; 0 "
                   "= not by time. The end of the run and a stop signal "
                   "always checkpoint."),
      Make<int>("checkpoint.keep_last", &C::checkpoint_keep_last, AtLeast(1),
                "Checkpoints kept; older ones are deleted."),
      Make<std::string>("distributed.backend", &C::backend,
                        OneOf({"auto", "mpi", "nccl", "threads"}),
                        "auto: NCCL on GPUs when built with it, else MPI; "
                        "threads: world 1 without MPI."),
      Make<double>("distributed.timeout_seconds",
                   &C::collective_timeout_seconds, Positive(),
                   "A collective that takes longer ends the job with an "
                   "error naming it and the missing ranks."),
  };
  return fields;
}

const Field* FindField(const std::string& key) {
  for (const Field& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string KnownKeysIn(const std::string& section) {
  std::vector<std::string> names;
  for (const Field& f : Fields()) {
    if (f.key.rfind(section + ".", 0) == 0) {
      names.push_back(f.key.substr(section.size() + 1));
    }
  }
  return absl::StrJoin(names, ", ");
}

std::vector<std::string> Sections() {
  std::vector<std::string> sections;
  for (const Field& f : Fields()) {
    const std::string s = f.key.substr(0, f.key.find('.'));
    if (std::find(sections.begin(), sections.end(), s) == sections.end()) {
      sections.push_back(s);
    }
  }
  return sections;
}

absl::Status Annotated(const absl::Status& status, const std::string& origin) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(origin, ": ", status.message()));
}

absl::Status ApplyDocument(const YAML::Node& root, const std::string& origin,
                           TrainConfig& config) {
  if (root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        origin + ": expected a map of sections (run, data, model, ...)");
  }
  const std::vector<std::string> sections = Sections();
  for (const auto& entry : root) {
    const std::string section = entry.first.as<std::string>();
    if (std::find(sections.begin(), sections.end(), section) ==
        sections.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": unknown section '", section,
                       "' (known: ", absl::StrJoin(sections, ", "), ")"));
    }
    if (entry.second.IsNull()) continue;
    if (!entry.second.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": section '", section, "' must be a map of keys"));
    }
    for (const auto& item : entry.second) {
      const std::string key = section + "." + item.first.as<std::string>();
      const Field* field = FindField(key);
      if (field == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(origin, ": unknown key '", key, "' (known in ",
                         section, ": ", KnownKeysIn(section), ")"));
      }
      MICON_RETURN_IF_ERROR(Annotated(field->set(item.second, config), origin));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyOverride(const std::string& text, TrainConfig& config) {
  const std::string origin = "--set " + text;
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    return absl::InvalidArgumentError(origin + ": expected section.key=value");
  }
  const std::string key = text.substr(0, eq);
  const Field* field = FindField(key);
  if (field == nullptr) {
    const std::string section = key.substr(0, key.find('.'));
    const std::string known = KnownKeysIn(section);
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": unknown key '", key, "'",
        known.empty()
            ? ""
            : absl::StrCat(" (known in ", section, ": ", known, ")")));
  }
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": cannot read the value: ", e.msg));
  }
  return Annotated(field->set(value, config), origin);
}

absl::Status Validate(const TrainConfig& c, const std::string& origin) {
  auto error = [&](const std::string& message) {
    return absl::InvalidArgumentError(origin + ": " + message);
  };
  if (c.run_dir.empty()) return error("run.dir is required");
  if (c.dataset.empty()) return error("data.dataset is required");
  if (c.warmup_steps >= c.steps && c.warmup_steps > 0) {
    return error(absl::StrCat("schedule.warmup_steps (", c.warmup_steps,
                              ") must be less than train.steps (", c.steps,
                              ")"));
  }
  if (c.min_lr > c.lr) {
    return error(absl::StrCat("schedule.min_lr (", c.min_lr,
                              ") exceeds optimizer.lr (", c.lr, ")"));
  }
  if (c.precision == "bf16" && c.device == "cpu") {
    return error("train.precision bf16 needs a CUDA device (train.device)");
  }
  if (c.input == "profiles" && c.objective == "simclr" && !c.augment) {
    return error(
        "loss.objective simclr needs data.augment: its two views are two "
        "augmentations");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<ConfigKey> ConfigSchema() {
  const TrainConfig defaults;
  std::vector<ConfigKey> keys;
  for (const Field& f : Fields()) {
    YAML::Emitter out;
    out << f.get(defaults);
    keys.push_back({f.key, out.c_str(), f.help});
  }
  return keys;
}

absl::StatusOr<TrainConfig> ParseTrainConfig(
    const std::string& yaml, const std::string& origin,
    const std::vector<std::string>& overrides) {
  TrainConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ":", e.mark.line + 1, ": not valid YAML: ", e.msg));
  }
  MICON_RETURN_IF_ERROR(ApplyDocument(root, origin, config));
  for (const std::string& o : overrides) {
    MICON_RETURN_IF_ERROR(ApplyOverride(o, config));
  }
  MICON_RETURN_IF_ERROR(Validate(config, origin));
  return config;
}

absl::StatusOr<TrainConfig> LoadTrainConfig(
    const std::string& path, const std::vector<std::string>& overrides) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(path + ": cannot open config file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  return ParseTrainConfig(text, path.empty() ? "config" : path, overrides);
}

std::string ResolvedConfigYaml(const TrainConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const std::string& section : Sections()) {
    out << YAML::Key << section << YAML::Value << YAML::BeginMap;
    for (const Field& f : Fields()) {
      if (f.key.rfind(section + ".", 0) != 0) continue;
      out << YAML::Key << f.key.substr(section.size() + 1) << YAML::Value
          << f.get(config);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::vector<std::string> DifferingKeys(const TrainConfig& a,
                                       const TrainConfig& b) {
  std::vector<std::string> keys;
  for (const Field& f : Fields()) {
    YAML::Emitter x, y;
    x << f.get(a);
    y << f.get(b);
    if (std::string(x.c_str()) != y.c_str()) keys.push_back(f.key);
  }
  return keys;
}

}  // namespace micon
