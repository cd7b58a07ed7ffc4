#include "data/profile_frame_writer.h"

#include <torch/torch.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/csv_writer.h"
#include "data/profile_frame_hdf5.h"

namespace micon {
namespace {

class CsvProfileWriter final : public ProfileFrameWriter {
 public:
  CsvProfileWriter(std::string path, const ProfileFrame& metadata, int64_t rows,
                   std::vector<std::string> feature_names, CsvWriter csv)
      : ProfileFrameWriter(std::move(path), metadata, rows,
                           std::move(feature_names)),
        csv_(std::move(csv)) {
    for (const std::string& name : this->metadata().metadata_names) {
      csv_.Field(name);
    }
    for (const std::string& name : this->feature_names()) csv_.Field(name);
    csv_.EndRow();
  }

 private:
  // A failed write is reported by Commit (CsvWriter keeps the first).
  absl::Status WriteRows(int64_t first, int64_t count,
                         const double* values) override {
    const size_t features = feature_names().size();
    for (int64_t r = first; r < first + count; ++r) {
      for (const auto& column : metadata().metadata) {
        csv_.Field(column[static_cast<size_t>(r)]);
      }
      for (size_t k = 0; k < features; ++k) csv_.Number(*values++);
      csv_.EndRow();
    }
    return absl::OkStatus();
  }
  absl::Status Finish() override { return csv_.Commit(); }

  CsvWriter csv_;
};

}  // namespace

ProfileFrameWriter::ProfileFrameWriter(std::string path,
                                       const ProfileFrame& metadata,
                                       int64_t rows,
                                       std::vector<std::string> feature_names)
    : path_(std::move(path)),
      metadata_(metadata),
      rows_(rows),
      feature_names_(std::move(feature_names)) {}

absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> ProfileFrameWriter::Open(
    const std::string& path, const ProfileFrame& metadata, int64_t rows,
    std::vector<std::string> feature_names) {
  if (metadata.metadata.size() != metadata.metadata_names.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", metadata.metadata_names.size(), " metadata names for ",
        metadata.metadata.size(), " metadata columns"));
  }
  for (size_t c = 0; c < metadata.metadata.size(); ++c) {
    if (static_cast<int64_t>(metadata.metadata[c].size()) != rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": metadata column ", metadata.metadata_names[c], " has ",
          metadata.metadata[c].size(), " values for ", rows, " rows"));
    }
  }
  if (IsHdf5Path(path)) {
    return OpenProfileFrameHdf5Writer(path, metadata, rows,
                                      std::move(feature_names));
  }
  return OpenProfileFrameCsvWriter(path, metadata, rows,
                                   std::move(feature_names));
}

absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> OpenProfileFrameCsvWriter(
    const std::string& path, const ProfileFrame& metadata, int64_t rows,
    std::vector<std::string> feature_names) {
  MICON_ASSIGN_OR_RETURN(CsvWriter csv, CsvWriter::Open(path));
  return std::make_unique<CsvProfileWriter>(
      path, metadata, rows, std::move(feature_names), std::move(csv));
}

absl::Status ProfileFrameWriter::Append(const at::Tensor& rows) {
  MICON_RETURN_IF_ERROR(failed_);
  const int64_t features = static_cast<int64_t>(feature_names_.size());
  if (!rows.defined() || rows.dim() != 2 || rows.size(1) != features ||
      !rows.is_floating_point()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": rows to append must be [k, ", features,
        "] floating point, got ",
        rows.defined() ? c10::str(rows.sizes(), " ", rows.scalar_type())
                       : std::string("an undefined tensor")));
  }
  const int64_t count = rows.size(0);
  if (written_ + count > rows_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": ", count, " more rows after ", written_,
                     " of the ", rows_, " announced"));
  }
  if (count == 0) return absl::OkStatus();
  const at::Tensor values = rows.to(torch::kCPU, torch::kFloat64).contiguous();
  failed_ = WriteRows(written_, count, values.data_ptr<double>());
  MICON_RETURN_IF_ERROR(failed_);
  written_ += count;
  return absl::OkStatus();
}

absl::Status ProfileFrameWriter::Commit() {
  MICON_RETURN_IF_ERROR(failed_);
  if (written_ != rows_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": ", written_, " of the ", rows_,
                     " announced rows written; not committed"));
  }
  failed_ = absl::FailedPreconditionError(path_ + ": already committed");
  return Finish();
}

absl::Status WriteProfileFrame(const ProfileFrame& frame,
                               const std::string& path) {
  MICON_ASSIGN_OR_RETURN(
      std::unique_ptr<ProfileFrameWriter> out,
      ProfileFrameWriter::Open(path, frame, frame.rows(), frame.feature_names));
  if (frame.features.defined()) {
    MICON_RETURN_IF_ERROR(out->Append(frame.features));
  }
  return out->Commit();
}

}  // namespace micon
