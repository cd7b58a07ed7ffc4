#include "launch/train/config_schema.h"

#include <optional>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace micon {
namespace {

// A check returns "" when the value is fine, else what it must be.
template <typename T>
using Check = std::function<std::string(const T&)>;

// The type of the config member an accessor reaches.
template <typename Access>
using ValueOf =
    std::remove_reference_t<std::invoke_result_t<Access, TrainConfig&>>;

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
constexpr bool kIsList = std::is_same_v<T, std::vector<int64_t>> ||
                         std::is_same_v<T, std::vector<double>>;

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
    } else if constexpr (kIsList<T>) {
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

std::string Shown(const YAML::Node& node) {
  return node.IsScalar() ? node.Scalar() : YAML::Dump(node);
}

template <typename T>
absl::Status Read(const std::string& key, const YAML::Node& node, T* value) {
  if (Convert(node, value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      key, ": expected ", TypeName<T>(), ", got '", Shown(node), "'"));
}

absl::Status Refuse(const std::string& key, const std::string& problem,
                    const YAML::Node& node) {
  return absl::InvalidArgumentError(
      absl::StrCat(key, ": ", problem, ", got '", Shown(node), "'"));
}

// A plain key: numbers, strings, flags and lists, with an optional check.
template <typename Access>
ConfigField Make(const std::string& key, Access access,
                 Check<ValueOf<Access>> check, const std::string& help) {
  using T = ValueOf<Access>;
  ConfigField f;
  f.key = key;
  f.help = help;
  f.set = [key, access, check](const YAML::Node& node,
                               TrainConfig& config) -> absl::Status {
    T value;
    if (absl::Status s = Read(key, node, &value); !s.ok()) return s;
    if (check) {
      if (const std::string problem = check(value); !problem.empty()) {
        return Refuse(key, problem, node);
      }
    }
    access(config) = value;
    return absl::OkStatus();
  };
  f.get = [access](const TrainConfig& config) {
    YAML::Node node(access(config));
    if constexpr (kIsList<T>) node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
  };
  return f;
}

// A key whose text names one value of an enum (or of a fixed set, such as
// model.arch's depths) by its name table.
template <typename Access, typename E, size_t N>
ConfigField MakeEnum(const std::string& key, Access access,
                     const EnumName<E> (&names)[N], const std::string& help) {
  static_assert(std::is_same_v<ValueOf<Access>, E>);
  ConfigField f;
  f.key = key;
  f.help = help;
  // `names` is a table with static storage (core/enum_names.h).
  f.set = [key, access, &names](const YAML::Node& node,
                                TrainConfig& config) -> absl::Status {
    std::string text;
    if (absl::Status s = Read(key, node, &text); !s.ok()) return s;
    const std::optional<E> value = ParseEnum(names, text);
    if (!value) {
      return Refuse(key, "must be one of " + EnumChoices(names), node);
    }
    access(config) = *value;
    return absl::OkStatus();
  };
  f.get = [access, &names](const TrainConfig& config) {
    return YAML::Node(EnumText(names, access(config)));
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
Check<std::vector<int64_t>> PositiveWidths() {
  return [](const std::vector<int64_t>& v) {
    for (int64_t w : v) {
      if (w < 1) return std::string("every width must be >= 1");
    }
    return std::string();
  };
}

// The member of TrainConfig a key sets, for const and non-const configs.
#define MICON_MEMBER(path) \
  [](auto& c) -> auto& { return c.path; }

std::vector<ConfigField> MakeFields() {
  return {
      Make("run.dir", MICON_MEMBER(run.dir), nullptr,
           "Run directory: config.yaml, metrics.jsonl, checkpoints/, "
           "loss.png. Required."),
      Make("run.seed", MICON_MEMBER(run.seed), nullptr,
           "Seed of parameter initialisation, sampling and augmentation."),
      Make("data.dataset", MICON_MEMBER(data.dataset), nullptr,
           "Plate store folder (input images), profile CSV (input "
           "profiles) or per-channel embedding store folder (input "
           "embeddings). Required."),
      MakeEnum("data.input", MICON_MEMBER(model.spec.input), kInputKindNames,
               "images: ResNet on plate images; profiles: MLP on feature "
               "vectors; embeddings: cross-channel transformer on a "
               "per-channel embedding store (`micon embed --per-channel`), "
               "a well a sample (loss.objective cellclip)."),
      MakeEnum("data.split", MICON_MEMBER(data.split), kDatasetSplitNames,
               "train: only screen.json's train_plates, without its "
               "held_out_compounds (needs screen.json); all: every plate and "
               "compound."),
      Make("data.batch_size", MICON_MEMBER(data.batch_size),
           AtLeast<int64_t>(1),
           "Per rank: MICON/PaCLR entries (2 treated + 2 control images "
           "each), or images (SimCLR, CLIP); with data.batch_unit: images, "
           "encoder images. The global batch is world size x this."),
      MakeEnum("data.batch_unit", MICON_MEMBER(data.batch_unit),
               kBatchUnitNames,
               "What data.batch_size counts: samples (each objective's own: "
               "a MICON/PaCLR entry is 4 encoder images, a SimCLR image 2 "
               "views, a CLIP image 1) or images (encoder forward passes, "
               "views included: the same compute budget for every objective; "
               "must be a multiple of the objective's passes per sample)."),
      Make("data.image_size", MICON_MEMBER(data.image_size),
           AtLeast<int64_t>(0),
           "Side of the square training crops in pixels; 0 = the plates' "
           "smaller side."),
      Make("data.workers", MICON_MEMBER(data.workers), AtLeast(1),
           "Loader threads per rank."),
      Make("data.prefetch", MICON_MEMBER(data.prefetch), AtLeast(1),
           "Batches built ahead of the trainer."),
      Make("data.open_plates", MICON_MEMBER(data.open_plates), AtLeast(1),
           "Plate files a rank's loader holds open at once (HDF5 keeps "
           "about 0.6 MB per open file); the shard's other plates are "
           "reopened, and checked, when next read."),
      Make("data.strict", MICON_MEMBER(data.strict), nullptr,
           "Data-quality warnings at start (compounds in a single well; "
           "data/data_quality.h) are errors. `micon train --strict` sets "
           "it."),
      Make("data.augment", MICON_MEMBER(data.augment), nullptr,
           "Random resized crops, flips, rotations and intensity jitter "
           "(images); noise and feature dropout (profiles)."),
      MakeEnum("data.augment_on", MICON_MEMBER(data.augment_on),
               kAugmentOnNames,
               "Where image views are normalised, resampled and augmented: "
               "loader (its CPU threads), device (the trainer's device, from "
               "raw pixels the loader ships: frees the loader's cores; the "
               "same views to float rounding), auto: device when training on "
               "a GPU, else loader."),
      Make("data.min_crop_area", MICON_MEMBER(data.min_crop_area),
           Between(0.01, 1),
           "Smallest share of the field a random crop keeps."),
      Make("data.intensity_jitter", MICON_MEMBER(data.intensity_jitter),
           Between(0, 1), "Per-channel gain and offset jitter."),
      MakeEnum("data.pixel_normalization",
               MICON_MEMBER(data.pixel_normalization), kPixelNormalizationNames,
               "Per-channel pixel statistics: plate_controls (each plate's "
               "DMSO images), dataset (one z-score for the whole screen, as "
               "the MICON reference), none (raw counts). micon embed uses "
               "the run's choice."),
      Make("data.control_images_for_stats",
           MICON_MEMBER(data.control_images_for_stats), AtLeast(1),
           "Images per plate sampled for the pixel statistics: control "
           "images for plate_controls (which every choice checks), any "
           "images for dataset."),
      Make("data.profile_normalize", MICON_MEMBER(data.profile_normalize),
           nullptr,
           "Standardise each profile feature on the plate's control rows."),
      Make("data.profile_noise", MICON_MEMBER(data.profile_noise),
           Between(0, 10), "Std of Gaussian noise added to profile samples."),
      Make("data.profile_feature_dropout",
           MICON_MEMBER(data.profile_feature_dropout), Between(0, 0.95),
           "Share of profile features zeroed per sample."),
      Make("data.fields_per_well", MICON_MEMBER(data.fields_per_well),
           AtLeast<int64_t>(0),
           "Embeddings input: fields of a well drawn per step (without "
           "replacement, a new draw each step); 0 = every field."),
      MakeEnum("model.arch", MICON_MEMBER(model.spec.image.resnet.depth),
               kResNetArchNames,
               "Image encoder trunk (the reference uses resnet101)."),
      MakeEnum("model.channel_mode", MICON_MEMBER(model.spec.image.mode),
               kChannelModeNames,
               "per_channel: each stain through one shared ResNet, vectors "
               "concatenated (the reference); multi_channel: one ResNet over "
               "all stains."),
      MakeEnum("model.norm", MICON_MEMBER(model.spec.image.resnet.norm),
               kNormKindNames,
               "sync_batch: BatchNorm with statistics over all ranks (N ranks "
               "= one process); batch: per-rank BatchNorm; group: GroupNorm "
               "(batch-independent)."),
      Make("model.pretrained", MICON_MEMBER(model.pretrained), nullptr,
           "Torchvision weights exported by "
           "deploy/export_torchvision_weights.py; empty = random "
           "initialisation."),
      Make(
          "model.trainable_stages",
          MICON_MEMBER(model.spec.image.trainable_stages),
          [](const int& v) {
            return v >= 0 && v <= 5 ? std::string()
                                    : std::string("must be in 0..5");
          },
          "ResNet stages that train, counted from the top (1 = only layer4, "
          "the reference; 5 = everything incl. the stem)."),
      Make("model.profile_hidden", MICON_MEMBER(model.spec.profile.hidden),
           PositiveWidths(), "Hidden widths of the profile encoder MLP."),
      Make("model.profile_dim", MICON_MEMBER(model.spec.profile.dim),
           AtLeast<int64_t>(1), "Width of h for profile input."),
      Make("model.profile_dropout", MICON_MEMBER(model.spec.profile.dropout),
           Between(0, 0.95), "Dropout in the profile encoder."),
      Make("model.cross_channel_width",
           MICON_MEMBER(model.spec.cross_channel.width), AtLeast<int64_t>(1),
           "Embeddings input: token width of the cross-channel "
           "transformer."),
      Make("model.cross_channel_layers",
           MICON_MEMBER(model.spec.cross_channel.layers), AtLeast<int64_t>(0),
           "Embeddings input: transformer blocks over a field's channel "
           "tokens."),
      Make("model.cross_channel_heads",
           MICON_MEMBER(model.spec.cross_channel.heads), AtLeast<int64_t>(1),
           "Embeddings input: attention heads (must divide the width)."),
      Make("model.cross_channel_pool_hidden",
           MICON_MEMBER(model.spec.cross_channel.pool_hidden),
           AtLeast<int64_t>(1),
           "Embeddings input: hidden width of the gated-attention pooling "
           "over a well's fields."),
      Make("model.cross_channel_dim",
           MICON_MEMBER(model.spec.cross_channel.dim), AtLeast<int64_t>(1),
           "Embeddings input: width of h, the well embedding."),
      Make("model.projection_hidden",
           MICON_MEMBER(model.spec.projection_hidden), PositiveWidths(),
           "Hidden widths of the projection head P."),
      Make("model.projection_dim", MICON_MEMBER(model.spec.projection_dim),
           AtLeast<int64_t>(1), "Width of z = P(h)."),
      Make("model.molecule_hidden", MICON_MEMBER(model.spec.molecule_hidden),
           PositiveWidths(), "Hidden widths of the molecule encoder M."),
      Make("model.molecule_dim", MICON_MEMBER(model.spec.molecule_dim),
           AtLeast<int64_t>(1), "Width of m = M(fingerprint)."),
      Make("model.generator_hidden", MICON_MEMBER(model.spec.generator_hidden),
           PositiveWidths(),
           "Hidden widths of the generator G (use at least h's width: "
           "resnet18 per_channel on 5 stains gives 2560)."),
      MakeEnum("model.generator_form", MICON_MEMBER(model.spec.generator_form),
               kGeneratorFormNames,
               "direct: h_hat = normalise(G([h_c; m])) (the reference); "
               "residual: h_hat = normalise(h_c + G([h_c; m])), the shift "
               "from the control."),
      MakeEnum("model.stain_head", MICON_MEMBER(model.spec.image.head),
               kStainHeadNames,
               "none: h is the pooled (post-ReLU, non-negative) features; "
               "linear: one Linear(d, d) per stain vector, shared by the "
               "stains (the reference), so h is signed."),
      MakeEnum("loss.objective", MICON_MEMBER(loss.objective), kObjectiveNames,
               "micon: PaCLR + counterfactual; paclr; simclr; clip; cellclip "
               "(wells of a per-channel embedding store against molecules)."),
      Make("loss.temperature", MICON_MEMBER(loss.temperature), Positive(),
           "Temperature of PaCLR, counterfactual PaCLR and NT-Xent (the "
           "reference uses 1.0)."),
      Make("loss.lambda", MICON_MEMBER(loss.lambda), AtLeast(0.0),
           "Weight of the counterfactual loss."),
      Make("loss.lambda_h", MICON_MEMBER(loss.lambda_h), AtLeast(0.0),
           "Weight of the generator's h-space alignment, mean 1 - "
           "cos(h_hat, sg(h_treated)) (micon only; 0 = off)."),
      Make("loss.counterfactual_detach_treated",
           MICON_MEMBER(loss.counterfactual_detach_treated), nullptr,
           "Detach h_treated in the counterfactual loss, so that it trains "
           "P, G and M only (the reference); false lets it reach the "
           "encoder (an ablation)."),
      MakeEnum("loss.cellclip_targets", MICON_MEMBER(loss.cellclip_targets),
               kCellclipTargetsNames,
               "cellclip: hard (CLIP's symmetric InfoNCE) or cwcl (well -> "
               "molecule with soft targets from the cosine similarity of "
               "the wells' frozen inputs, plus molecule -> well InfoNCE, "
               "as CellCLIP)."),
      Make("loss.clip_temperature", MICON_MEMBER(model.spec.clip_temperature),
           Positive(), "CLIP's (initial) temperature."),
      Make("loss.clip_learnable_temperature",
           MICON_MEMBER(model.spec.clip_learnable_temperature), nullptr,
           "Learn CLIP's temperature (logit scale capped at 100)."),
      Make("molecule.radius", MICON_MEMBER(molecule.featurizer.radius),
           AtLeast(0), "Morgan fingerprint radius."),
      Make("molecule.bits", MICON_MEMBER(molecule.featurizer.bits), AtLeast(8),
           "Folded fingerprint length (the reference: 1024)."),
      Make("molecule.counts", MICON_MEMBER(molecule.featurizer.counts), nullptr,
           "Folded counts instead of bits."),
      Make("molecule.descriptors",
           MICON_MEMBER(molecule.featurizer.descriptors), nullptr,
           "Append 13 RDKit descriptors."),
      MakeEnum("molecule.invalid_smiles", MICON_MEMBER(molecule.invalid_smiles),
               kInvalidSmilesPolicyNames,
               "error: an unparsable SMILES stops the run; exclude: its "
               "compound is left out, with a warning."),
      Make("optimizer.lr", MICON_MEMBER(optimizer.lr), Positive(),
           "AdamW peak learning rate."),
      Make("optimizer.weight_decay", MICON_MEMBER(optimizer.weight_decay),
           AtLeast(0.0), "AdamW decoupled weight decay."),
      Make(
          "optimizer.betas", MICON_MEMBER(optimizer.betas),
          [](const std::vector<double>& v) {
            return v.size() == 2 && v[0] >= 0 && v[0] < 1 && v[1] >= 0 &&
                           v[1] < 1
                       ? std::string()
                       : std::string("must be two numbers in [0, 1)");
          },
          "AdamW betas."),
      Make("optimizer.eps", MICON_MEMBER(optimizer.eps), Positive(),
           "AdamW epsilon."),
      Make("optimizer.grad_clip_norm", MICON_MEMBER(optimizer.grad_clip_norm),
           AtLeast(0.0), "Clip the global gradient norm to this; 0 = off."),
      MakeEnum("schedule.kind", MICON_MEMBER(schedule.kind), kScheduleKindNames,
               "cosine: warmup then cosine to min_lr; plateau: the "
               "reference's reduce-on-plateau on the training loss; "
               "constant."),
      Make("schedule.warmup_steps", MICON_MEMBER(schedule.warmup_steps),
           AtLeast<int64_t>(0), "Linear warmup steps."),
      Make("schedule.min_lr", MICON_MEMBER(schedule.min_lr), AtLeast(0.0),
           "Floor of the learning rate (cosine end, plateau floor)."),
      Make("schedule.plateau_factor", MICON_MEMBER(schedule.plateau_factor),
           Between(0.0, 0.999), "Plateau: multiply the lr by this."),
      Make("schedule.plateau_patience", MICON_MEMBER(schedule.plateau_patience),
           AtLeast<int64_t>(0),
           "Plateau: windows without improvement before reducing."),
      Make("schedule.plateau_threshold",
           MICON_MEMBER(schedule.plateau_threshold), Between(0, 1),
           "Plateau: relative improvement that counts."),
      Make("schedule.plateau_cooldown", MICON_MEMBER(schedule.plateau_cooldown),
           AtLeast<int64_t>(0), "Plateau: windows to wait after a reduction."),
      Make("schedule.plateau_window", MICON_MEMBER(schedule.plateau_window),
           AtLeast<int64_t>(1),
           "Plateau: steps whose mean loss is one observation."),
      Make("train.steps", MICON_MEMBER(train.steps), AtLeast<int64_t>(1),
           "Optimiser steps of the whole run (a resumed run continues to "
           "this)."),
      Make("train.log_every", MICON_MEMBER(train.log_every),
           AtLeast<int64_t>(1),
           "Progress line every this many steps (metrics.jsonl gets every "
           "step)."),
      MakeEnum("train.precision", MICON_MEMBER(train.precision),
               kPrecisionNames,
               "bf16: autocast the forward pass to bfloat16 (CUDA only); "
               "losses and optimiser stay float32."),
      MakeEnum("train.device", MICON_MEMBER(train.device), kDeviceChoiceNames,
               "auto: the GPU of this rank's local rank when CUDA is "
               "available, else CPU."),
      Make("train.threads", MICON_MEMBER(train.threads), AtLeast(0),
           "LibTorch intra-op threads per rank; 0 = the cores of the node "
           "divided by the ranks on it. `micon --threads N` overrides it."),
      MakeEnum("train.nonfinite", MICON_MEMBER(train.nonfinite),
               kNonFinitePolicyNames,
               "A step whose loss or gradient is not finite: stop (an error "
               "naming the step and the first non-finite quantity; no "
               "optimiser step, nothing written) or skip (no optimiser step; "
               "counted in metrics.jsonl and the log)."),
      Make("checkpoint.every_steps", MICON_MEMBER(checkpoint.every_steps),
           AtLeast<int64_t>(0),
           "Checkpoint every this many steps; 0 = not by steps."),
      Make("checkpoint.every_minutes", MICON_MEMBER(checkpoint.every_minutes),
           AtLeast(0.0),
           "Checkpoint when this much time passed since the last; 0 = not "
           "by time. The end of the run and a stop signal always "
           "checkpoint."),
      Make("checkpoint.keep_last", MICON_MEMBER(checkpoint.keep_last),
           AtLeast(1), "Checkpoints kept; older ones are deleted."),
      MakeEnum("distributed.backend", MICON_MEMBER(distributed.backend),
               kBackendNames,
               "auto: NCCL on GPUs when built with it, else MPI; threads: "
               "world 1 without MPI."),
      Make("distributed.timeout_seconds",
           MICON_MEMBER(distributed.timeout_seconds), Positive(),
           "A collective that takes longer ends the job with an error naming "
           "it and the missing ranks."),
      Make("distributed.overlap_gradients",
           MICON_MEMBER(distributed.overlap_gradients), nullptr,
           "All-reduce each gradient bucket as backward fills it, overlapping "
           "communication with the rest of backward (as DDP); false: all "
           "buckets after backward (the same result; for measuring the "
           "overlap)."),
      Make("distributed.emulate_ranks", MICON_MEMBER(distributed.emulate_ranks),
           AtLeast<int64_t>(1),
           "A check, not a way to train: in one process (world 1), draw each "
           "step the local batches this many ranks would draw (their plate "
           "shards and streams) and train on them concatenated. The run "
           "then equals one on that many ranks up to float rounding (the "
           "N-rank invariant, end to end). 1: off."),
  };
}

#undef MICON_MEMBER

}  // namespace

const std::vector<ConfigField>& ConfigFields() {
  // A constant table built once; it owns no resource.
  static const std::vector<ConfigField>* const fields =
      new std::vector<ConfigField>(MakeFields());
  return *fields;
}

std::vector<ConfigKey> ConfigSchema() {
  const TrainConfig defaults;
  std::vector<ConfigKey> keys;
  for (const ConfigField& f : ConfigFields()) {
    YAML::Emitter out;
    out << f.get(defaults);
    keys.push_back({f.key, out.c_str(), f.help});
  }
  return keys;
}

}  // namespace micon
