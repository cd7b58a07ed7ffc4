#include "launch/train/train_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "launch/train/config_schema.h"

namespace micon {
namespace {

const ConfigField* FindField(const std::string& key) {
  for (const ConfigField& f : ConfigFields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string KnownKeysIn(const std::string& section) {
  std::vector<std::string> names;
  for (const ConfigField& f : ConfigFields()) {
    if (f.key.rfind(section + ".", 0) == 0) {
      names.push_back(f.key.substr(section.size() + 1));
    }
  }
  return absl::StrJoin(names, ", ");
}

std::vector<std::string> Sections() {
  std::vector<std::string> sections;
  for (const ConfigField& f : ConfigFields()) {
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
    if (!entry.first.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ":", entry.first.Mark().line + 1,
                       ": a section name must be a plain word"));
    }
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
      if (!item.first.IsScalar()) {
        return absl::InvalidArgumentError(absl::StrCat(
            origin, ":", item.first.Mark().line + 1, ": a key of section '",
            section, "' must be a plain word"));
      }
      const std::string key = section + "." + item.first.as<std::string>();
      const ConfigField* field = FindField(key);
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
  const ConfigField* field = FindField(key);
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
  if (c.run.dir.empty()) return error("run.dir is required");
  if (c.data.dataset.empty()) return error("data.dataset is required");
  if (c.schedule.warmup_steps >= c.train.steps && c.schedule.warmup_steps > 0) {
    return error(
        absl::StrCat("schedule.warmup_steps (", c.schedule.warmup_steps,
                     ") must be less than train.steps (", c.train.steps, ")"));
  }
  if (c.schedule.min_lr > c.optimizer.lr) {
    return error(absl::StrCat("schedule.min_lr (", c.schedule.min_lr,
                              ") exceeds optimizer.lr (", c.optimizer.lr, ")"));
  }
  if (c.train.precision == Precision::kBf16 &&
      c.train.device == DeviceChoice::kCpu) {
    return error("train.precision bf16 needs a CUDA device (train.device)");
  }
  if (!c.images() && c.loss.objective == Objective::kSimclr &&
      !c.data.augment) {
    return error(
        "loss.objective simclr needs data.augment: its two views are two "
        "augmentations");
  }
  if (c.data.batch_unit == BatchUnit::kImages) {
    const int passes = EncoderPassesPerSample(c.loss.objective);
    if (c.data.batch_size % passes != 0) {
      return error(absl::StrCat(
          "data.batch_size ", c.data.batch_size,
          " counts encoder images (data.batch_unit: images) and is not a "
          "multiple of the ",
          passes, " images one ", ObjectiveName(c.loss.objective),
          " sample costs"));
    }
  }
  if ((c.loss.objective == Objective::kCellclip) != c.embeddings()) {
    return error(absl::StrCat(
        "loss.objective ", ObjectiveName(c.loss.objective), " with data.input ",
        EnumText(kInputKindNames, c.model.spec.input),
        ": cellclip trains on a per-channel embedding store (data.input: "
        "embeddings, written by `micon embed --per-channel`), and only "
        "cellclip does"));
  }
  if (const CrossChannelOptions& x = c.model.spec.cross_channel;
      x.width % x.heads != 0) {
    return error(absl::StrCat("model.cross_channel_width ", x.width,
                              " is not a multiple of "
                              "model.cross_channel_heads ",
                              x.heads));
  }
  if (!c.images() && !c.model.pretrained.empty()) {
    return error("model.pretrained is for image encoders (data.input: images)");
  }
  return absl::OkStatus();
}

}  // namespace

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
  try {
    MICON_RETURN_IF_ERROR(ApplyDocument(root, origin, config));
    for (const std::string& o : overrides) {
      MICON_RETURN_IF_ERROR(ApplyOverride(o, config));
    }
  } catch (const YAML::Exception& e) {
    // What the checks above do not foresee (yaml-cpp throws on any
    // conversion it cannot make) is still an error naming the place.
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ":", e.mark.line + 1, ": ", e.msg));
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
    for (const ConfigField& f : ConfigFields()) {
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
  for (const ConfigField& f : ConfigFields()) {
    YAML::Emitter x, y;
    x << f.get(a);
    y << f.get(b);
    if (std::string(x.c_str()) != y.c_str()) keys.push_back(f.key);
  }
  return keys;
}

std::string DescribeModel(const TrainConfig& config) {
  const MiconModelOptions& m = config.model.spec;
  std::string network = "MLP";
  if (config.images()) {
    network = absl::StrCat(EnumText(kResNetArchNames, m.image.resnet.depth),
                           " ", EnumText(kChannelModeNames, m.image.mode), " ",
                           EnumText(kNormKindNames, m.image.resnet.norm));
  } else if (config.embeddings()) {
    network =
        absl::StrCat("cross-channel transformer, ", m.cross_channel.layers,
                     " layers of width ", m.cross_channel.width);
  }
  return absl::StrCat(ObjectiveName(config.loss.objective), " on ",
                      EnumText(kInputKindNames, m.input), " (", network, ")");
}

}  // namespace micon
