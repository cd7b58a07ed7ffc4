// config_schema.h: the rows of `micon train`'s configuration schema, for the
// code that reads and writes configurations (train_config.cc).
//
//   for (const ConfigField& f : ConfigFields()) {
//     MICON_RETURN_IF_ERROR(f.set(yaml_value, config));   // parse + check
//     YAML::Node shown = f.get(config);                    // render
//   }
//
// Each row turns the key's YAML value into the typed value it sets (enums
// through their name tables, core/enum_names.h: model.arch's "resnet50"
// becomes the depth 50), checks its range, and renders it back. A key's text
// is parsed here and nowhere else.
#ifndef MICON_LAUNCH_TRAIN_CONFIG_SCHEMA_H_
#define MICON_LAUNCH_TRAIN_CONFIG_SCHEMA_H_

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "launch/train/train_config.h"

namespace micon {

struct ConfigField {
  std::string key;  // section.name
  std::string help;
  // Sets the key from a YAML value; an error names the key, what it must be
  // and what it got.
  std::function<absl::Status(const YAML::Node&, TrainConfig&)> set;
  std::function<YAML::Node(const TrainConfig&)> get;
};

// Every key, in the order of the resolved YAML and docs/CONFIG.md.
const std::vector<ConfigField>& ConfigFields();

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_CONFIG_SCHEMA_H_
