// The YAML configuration and --set overrides (launch/train/train_config.h).
// Input: YAML, with lines "--set KEY=VALUE" taken as overrides. A config that
// parses must print (ResolvedConfigYaml) to YAML that parses to the same
// configuration.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "launch/train/train_config.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string yaml;
  std::vector<std::string> overrides;
  for (absl::string_view line :
       absl::StrSplit(micon::fuzz::Text(data, size), '\n')) {
    if (absl::ConsumePrefix(&line, "--set ")) {
      overrides.emplace_back(line);
    } else {
      absl::StrAppend(&yaml, line, "\n");
    }
  }
  const absl::StatusOr<micon::TrainConfig> config =
      micon::ParseTrainConfig(yaml, "fuzz.yaml", overrides);
  if (!config.ok()) return 0;
  const std::string resolved = micon::ResolvedConfigYaml(*config);
  const absl::StatusOr<micon::TrainConfig> again =
      micon::ParseTrainConfig(resolved, "resolved.yaml", {});
  if (!again.ok() || !micon::DifferingKeys(*config, *again).empty()) {
    std::fprintf(stderr,
                 "the resolved configuration does not parse back:\n%s\n",
                 resolved.c_str());
    std::abort();
  }
  return 0;
}
