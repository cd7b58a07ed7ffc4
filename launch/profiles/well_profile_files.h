// well_profile_files.h: where `micon embed` puts its well profiles, in the
// formats other tools read: profiles.csv (pandas, pycytominer), profiles.h5
// (h5py), and, when the generator predicted any, predicted.csv; for a model
// trained against molecules, also each well's point in the shared space
// (well_projections.csv, retrieval_projections.h).
//
// The files are a WellRowSink: rank 0 writes the rows as the gather delivers
// them, so that it never holds the screen's features (20 GB at a million
// wells of 2,560 float64 features), only their metadata and one block.
//
//   WellProfileFiles files("out", "mean");
//   options.sink = rank == 0 ? &files : nullptr;
//   MICON_ASSIGN_OR_RETURN(WellProfiles p,
//       BuildWellProfiles(store, profiler, comm, options));
//   MICON_ASSIGN_OR_RETURN(std::string line, files.Finish(p));  // rank 0
//   // "out: 96 well profiles of 512 features (mean) in profiles.csv and ..."
//
// Nothing is put in place until Finish: files destroyed unfinished (an error
// on any rank) leave the folder's previous files untouched.
#ifndef MICON_LAUNCH_PROFILES_WELL_PROFILE_FILES_H_
#define MICON_LAUNCH_PROFILES_WELL_PROFILE_FILES_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/profile_frame_writer.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

// A second table of each well, computed from its profile block by block:
// `project` maps [k, features] to [k, names.size()].
struct WellProjection {
  std::string file;  // in the output folder
  std::vector<std::string> names;
  std::function<at::Tensor(const at::Tensor&)> project;
};

class WellProfileFiles final : public WellRowSink {
 public:
  // `pooling` says how fields became a well's profile, for the summary.
  WellProfileFiles(std::string folder, std::string pooling,
                   std::optional<WellProjection> projection = std::nullopt);

  // Creates the folder and opens every file under its temporary name.
  absl::Status Start(const ProfileFrame& wells) override;
  absl::Status Append(const at::Tensor& rows) override;
  // Every row appended: puts the files in place and writes predicted.csv;
  // returns a one-line summary for the user.
  absl::StatusOr<std::string> Finish(const WellProfiles& profiles);

 private:
  std::string folder_, pooling_;
  std::optional<WellProjection> projection_;
  std::unique_ptr<ProfileFrameWriter> csv_, hdf5_, projected_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_WELL_PROFILE_FILES_H_
