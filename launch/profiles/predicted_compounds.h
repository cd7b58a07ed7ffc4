// predicted_compounds.h: which compounds a generator predicts profiles for.
//
//   MICON_ASSIGN_OR_RETURN(std::set<std::string> c,
//       CompoundsToPredict(PredictChoice::kHeldOut, profiler.CanPredict(),
//                          dataset));
//
// Choices (`micon embed --predict`):
//   (default)  the held-out compounds of the dataset's screen.json when the
//              model can predict and the file exists, else none
//   held-out   screen.json's held_out_compounds (an error without it)
//   all        every compound of the dataset
//   none       no prediction
#ifndef MICON_LAUNCH_PROFILES_PREDICTED_COMPOUNDS_H_
#define MICON_LAUNCH_PROFILES_PREDICTED_COMPOUNDS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "core/enum_names.h"
#include "data/dataset.h"

namespace micon {

enum class PredictChoice { kDefault, kHeldOut, kAll, kNone };

// The named choices; kDefault is the absence of one.
inline constexpr EnumName<PredictChoice> kPredictChoiceNames[] = {
    {"held-out", PredictChoice::kHeldOut},
    {"all", PredictChoice::kAll},
    {"none", PredictChoice::kNone}};

absl::StatusOr<std::set<std::string>> CompoundsToPredict(
    PredictChoice choice, bool can_predict, const Dataset& dataset);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_PREDICTED_COMPOUNDS_H_
