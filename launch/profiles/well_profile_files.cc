#include "launch/profiles/well_profile_files.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/profile_frame.h"
#include "data/profile_frame_hdf5.h"
#include "launch/profiles/output_folder.h"

namespace micon {

absl::StatusOr<std::string> WriteWellProfileFiles(const WellProfiles& profiles,
                                                  const std::string& folder,
                                                  const std::string& pooling) {
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder));
  const std::filesystem::path out(folder);
  MICON_RETURN_IF_ERROR(
      WriteProfileFrame(profiles.wells, (out / "profiles.csv").string()));
  MICON_RETURN_IF_ERROR(
      WriteProfileFrameHdf5(profiles.wells, (out / "profiles.h5").string()));
  std::string predicted;
  if (profiles.predicted.rows() > 0) {
    MICON_RETURN_IF_ERROR(WriteProfileFrame(profiles.predicted,
                                            (out / "predicted.csv").string()));
    predicted = absl::StrCat(", ", profiles.predicted.rows(),
                             " predicted profiles in predicted.csv");
  }
  return absl::StrCat(folder, ": ", profiles.wells.rows(), " well profiles of ",
                      profiles.wells.feature_names.size(), " features (",
                      pooling, ") in profiles.csv and profiles.h5", predicted);
}

}  // namespace micon
