#include "launch/profiles/well_profile_files.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/profile_frame.h"
#include "launch/profiles/output_folder.h"

namespace micon {
namespace {

constexpr char kProfilesCsv[] = "profiles.csv";
constexpr char kProfilesHdf5[] = "profiles.h5";
constexpr char kPredictedCsv[] = "predicted.csv";

int64_t MetadataRows(const ProfileFrame& frame) {
  return frame.metadata.empty()
             ? 0
             : static_cast<int64_t>(frame.metadata.front().size());
}

}  // namespace

WellProfileFiles::WellProfileFiles(std::string folder, std::string pooling,
                                   std::optional<WellProjection> projection)
    : folder_(std::move(folder)),
      pooling_(std::move(pooling)),
      projection_(std::move(projection)) {}

absl::Status WellProfileFiles::Start(const ProfileFrame& wells) {
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder_));
  const std::filesystem::path out(folder_);
  const int64_t rows = MetadataRows(wells);
  MICON_ASSIGN_OR_RETURN(
      csv_, ProfileFrameWriter::Open((out / kProfilesCsv).string(), wells, rows,
                                     wells.feature_names));
  MICON_ASSIGN_OR_RETURN(
      hdf5_, ProfileFrameWriter::Open((out / kProfilesHdf5).string(), wells,
                                      rows, wells.feature_names));
  if (projection_) {
    MICON_ASSIGN_OR_RETURN(
        projected_, ProfileFrameWriter::Open((out / projection_->file).string(),
                                             wells, rows, projection_->names));
  }
  return absl::OkStatus();
}

absl::Status WellProfileFiles::Append(const at::Tensor& rows) {
  if (csv_ == nullptr) {
    return absl::FailedPreconditionError(folder_ + ": rows before Start");
  }
  MICON_RETURN_IF_ERROR(csv_->Append(rows));
  MICON_RETURN_IF_ERROR(hdf5_->Append(rows));
  if (projected_ != nullptr) {
    MICON_RETURN_IF_ERROR(projected_->Append(projection_->project(rows)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> WellProfileFiles::Finish(
    const WellProfiles& profiles) {
  if (csv_ == nullptr) {
    return absl::FailedPreconditionError(folder_ + ": Finish before Start");
  }
  MICON_RETURN_IF_ERROR(csv_->Commit());
  MICON_RETURN_IF_ERROR(hdf5_->Commit());
  std::string projected;
  if (projected_ != nullptr) {
    MICON_RETURN_IF_ERROR(projected_->Commit());
    projected =
        absl::StrCat(", their shared-space points in ", projection_->file);
  }
  std::string predicted;
  if (profiles.predicted.rows() > 0) {
    MICON_RETURN_IF_ERROR(WriteProfileFrame(
        profiles.predicted,
        (std::filesystem::path(folder_) / kPredictedCsv).string()));
    predicted = absl::StrCat(", ", profiles.predicted.rows(),
                             " predicted profiles in ", kPredictedCsv);
  }
  return absl::StrCat(folder_, ": ", csv_->rows_written(), " well profiles of ",
                      profiles.wells.feature_names.size(), " features (",
                      pooling_, ") in ", kProfilesCsv, " and ", kProfilesHdf5,
                      projected, predicted);
}

}  // namespace micon
