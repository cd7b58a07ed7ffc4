// well_profile_files.h: where `micon embed` puts its well profiles, in the
// formats other tools read: profiles.csv (pandas, pycytominer), profiles.h5
// (h5py) and, when the generator predicted any, predicted.csv.
//
//   MICON_ASSIGN_OR_RETURN(std::string line,
//       WriteWellProfileFiles(profiles, "out", "mean"));
//   // "out: 96 well profiles of 512 features (mean) in profiles.csv and ..."
#ifndef MICON_LAUNCH_PROFILES_WELL_PROFILE_FILES_H_
#define MICON_LAUNCH_PROFILES_WELL_PROFILE_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

// Creates `folder` and writes the files; returns a one-line summary for the
// user. `pooling` says how fields became a well's profile.
absl::StatusOr<std::string> WriteWellProfileFiles(const WellProfiles& profiles,
                                                  const std::string& folder,
                                                  const std::string& pooling);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_WELL_PROFILE_FILES_H_
