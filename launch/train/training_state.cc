#include "launch/train/training_state.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace micon {

namespace {
constexpr int kFormat = 1;
}  // namespace

std::string ModelChecksumText(uint64_t checksum) {
  return absl::StrCat(absl::Hex(checksum, absl::kZeroPad16));
}

std::string EncodeTrainingState(const TrainingState& state) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["step"] = state.step;
  j["world_size"] = state.world_size;
  j["config"] = state.config_yaml;
  j["model_checksum"] = absl::StrCat(absl::Hex(state.model_checksum));
  const LrScheduleState& s = state.schedule;
  j["schedule"] = {
      {"plateau_lr", s.plateau_lr},       {"best", s.best},
      {"has_best", s.has_best},           {"bad_windows", s.bad_windows},
      {"cooldown_left", s.cooldown_left}, {"window_sum", s.window_sum},
      {"window_count", s.window_count},   {"reductions", s.reductions}};
  j["ranks"] = nlohmann::json::array();
  for (const RankState& r : state.ranks) {
    j["ranks"].push_back({{"sampler_seed", r.sampler.seed},
                          {"sampler_step", r.sampler.step},
                          {"rng", absl::Base64Escape(r.rng)}});
  }
  return j.dump(1);
}

absl::StatusOr<TrainingState> DecodeTrainingState(const std::string& json,
                                                  const std::string& origin) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError(origin + ": training state is not JSON");
  }
  TrainingState state;
  try {
    if (j.at("format").get<int>() != kFormat) {
      return absl::FailedPreconditionError(absl::StrCat(
          origin, ": training state format ", j.at("format").get<int>(),
          ", this micon reads ", kFormat));
    }
    state.step = j.at("step").get<int64_t>();
    state.world_size = j.at("world_size").get<int>();
    state.config_yaml = j.at("config").get<std::string>();
    if (!absl::SimpleHexAtoi(j.at("model_checksum").get<std::string>(),
                             &state.model_checksum)) {
      return absl::DataLossError(origin + ": bad model_checksum");
    }
    const nlohmann::json& s = j.at("schedule");
    state.schedule.plateau_lr = s.at("plateau_lr").get<double>();
    state.schedule.best = s.at("best").get<double>();
    state.schedule.has_best = s.at("has_best").get<bool>();
    state.schedule.bad_windows = s.at("bad_windows").get<int64_t>();
    state.schedule.cooldown_left = s.at("cooldown_left").get<int64_t>();
    state.schedule.window_sum = s.at("window_sum").get<double>();
    state.schedule.window_count = s.at("window_count").get<int64_t>();
    state.schedule.reductions = s.at("reductions").get<int64_t>();
    for (const nlohmann::json& r : j.at("ranks")) {
      RankState rank;
      rank.sampler.seed = r.at("sampler_seed").get<uint64_t>();
      rank.sampler.step = r.at("sampler_step").get<int64_t>();
      if (!absl::Base64Unescape(r.at("rng").get<std::string>(), &rank.rng)) {
        return absl::DataLossError(origin + ": bad RNG state encoding");
      }
      state.ranks.push_back(std::move(rank));
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(
        absl::StrCat(origin, ": training state: ", e.what()));
  }
  if (static_cast<int>(state.ranks.size()) != state.world_size) {
    return absl::DataLossError(
        absl::StrCat(origin, ": training state has ", state.ranks.size(),
                     " rank entries for world size ", state.world_size));
  }
  return state;
}

}  // namespace micon
