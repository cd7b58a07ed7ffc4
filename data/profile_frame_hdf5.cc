#include "data/profile_frame_hdf5.h"

#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"
#include "data/hdf5_id.h"
#include "data/hdf5_partial_file.h"

namespace micon {
namespace {

constexpr char kFeatures[] = "features";
constexpr char kFeatureNames[] = "feature_names";
constexpr char kMetadata[] = "metadata";
constexpr char kColumns[] = "columns";

// Everything but the feature values: the names, the metadata, and /features
// created at its full size for the rows to be written into.
absl::StatusOr<Hdf5Id> WriteLayout(hid_t file, const ProfileFrame& metadata,
                                   int64_t rows,
                                   const std::vector<std::string>& names) {
  MICON_RETURN_IF_ERROR(WriteStringDataset(file, kFeatureNames, names));
  MICON_ASSIGN_OR_RETURN(Hdf5Id group,
                         Hdf5Call(H5Gcreate2(file, kMetadata, H5P_DEFAULT,
                                             H5P_DEFAULT, H5P_DEFAULT),
                                  H5Gclose, "create /metadata"));
  MICON_RETURN_IF_ERROR(WriteStringArrayAttribute(group.get(), kColumns,
                                                  metadata.metadata_names));
  for (size_t c = 0; c < metadata.metadata_names.size(); ++c) {
    MICON_RETURN_IF_ERROR(WriteStringDataset(
        group.get(), metadata.metadata_names[c], metadata.metadata[c]));
  }
  MICON_RETURN_IF_ERROR(group.Close());
  const std::string what = absl::StrCat("create dataset /", kFeatures);
  const hsize_t dims[2] = {static_cast<hsize_t>(rows),
                           static_cast<hsize_t>(names.size())};
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id space,
      Hdf5Call(H5Screate_simple(2, dims, nullptr), H5Sclose, what));
  return Hdf5Call(H5Dcreate2(file, kFeatures, H5T_IEEE_F64LE, space.get(),
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  H5Dclose, what);
}

class Hdf5ProfileWriter final : public ProfileFrameWriter {
 public:
  Hdf5ProfileWriter(std::string path, const ProfileFrame& metadata,
                    int64_t rows, std::vector<std::string> feature_names,
                    Hdf5PartialFile file, Hdf5Id features)
      : ProfileFrameWriter(std::move(path), metadata, rows,
                           std::move(feature_names)),
        file_(std::move(file)),
        features_(std::move(features)) {}

 private:
  absl::Status WriteRows(int64_t first, int64_t count,
                         const double* values) override {
    QuietHdf5Errors();
    const std::string what = absl::StrCat(
        "write rows ", first, "-", first + count - 1, " of /", kFeatures);
    const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
    const hsize_t extent[2] = {static_cast<hsize_t>(count),
                               static_cast<hsize_t>(feature_names().size())};
    MICON_ASSIGN_OR_RETURN(
        Hdf5Id file_space,
        Hdf5Call(H5Dget_space(features_.get()), H5Sclose, what));
    absl::Status status =
        Hdf5Check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start,
                                      nullptr, extent, nullptr),
                  what);
    if (status.ok()) {
      auto memory_space =
          Hdf5Call(H5Screate_simple(2, extent, nullptr), H5Sclose, what);
      status = memory_space.ok()
                   ? Hdf5Check(H5Dwrite(features_.get(), H5T_NATIVE_DOUBLE,
                                        memory_space->get(), file_space.get(),
                                        H5P_DEFAULT, values),
                               what)
                   : memory_space.status();
    }
    return Annotate(status, file_.partial_path());
  }

  absl::Status Finish() override {
    MICON_RETURN_IF_ERROR(Annotate(features_.Close(), file_.partial_path()));
    return file_.Commit();
  }

  // Declared before the dataset: closed after it.
  Hdf5PartialFile file_;
  Hdf5Id features_;
};

absl::StatusOr<ProfileFrame> ReadBody(hid_t file, const std::string& path) {
  ProfileFrame frame;
  frame.path = path;
  MICON_ASSIGN_OR_RETURN(frame.feature_names,
                         ReadStringDataset(file, kFeatureNames));
  MICON_ASSIGN_OR_RETURN(Hdf5Id features, OpenDataset(file, kFeatures));
  MICON_ASSIGN_OR_RETURN(std::vector<hsize_t> dims,
                         DatasetDims(features.get(), kFeatures));
  if (dims.size() != 2 || dims[1] != frame.feature_names.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset /", kFeatures, ": expected [rows, ",
                     frame.feature_names.size(), "]"));
  }
  const int64_t rows = static_cast<int64_t>(dims[0]);
  frame.features =
      torch::empty({rows, static_cast<int64_t>(dims[1])}, torch::kFloat64);
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Dread(features.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                        H5P_DEFAULT, frame.features.data_ptr<double>()),
                absl::StrCat("read /", kFeatures)));
  // Checked value by value: torch::isfinite would allocate a copy of the
  // whole matrix (its abs()), doubling the read's peak memory.
  const double* values = frame.features.data_ptr<double>();
  const int64_t columns = frame.features.size(1);
  for (int64_t i = 0; i < frame.features.numel(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dataset /", kFeatures, " row ", i / columns + 1, ", column ",
          frame.feature_names[static_cast<size_t>(i % columns)], ": ",
          values[i],
          " is not a finite number (drop or impute missing "
          "features first)"));
    }
  }
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id group, Hdf5Call(H5Gopen2(file, kMetadata, H5P_DEFAULT), H5Gclose,
                             "open group /metadata"));
  MICON_ASSIGN_OR_RETURN(frame.metadata_names,
                         ReadStringArrayAttribute(group.get(), kColumns));
  for (const std::string& name : frame.metadata_names) {
    MICON_ASSIGN_OR_RETURN(std::vector<std::string> values,
                           ReadStringDataset(group.get(), name));
    if (static_cast<int64_t>(values.size()) != rows) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset /metadata/", name, ": ", values.size(),
                       " values for ", rows, " rows"));
    }
    frame.metadata.push_back(std::move(values));
  }
  return frame;
}

}  // namespace

bool IsHdf5Path(const std::string& path) {
  return absl::EndsWith(path, ".h5") || absl::EndsWith(path, ".hdf5");
}

absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> OpenProfileFrameHdf5Writer(
    const std::string& path, const ProfileFrame& metadata, int64_t rows,
    std::vector<std::string> feature_names) {
  MICON_ASSIGN_OR_RETURN(Hdf5PartialFile file, Hdf5PartialFile::Create(path));
  absl::StatusOr<Hdf5Id> features =
      WriteLayout(file.get(), metadata, rows, feature_names);
  if (!features.ok()) return Annotate(features.status(), file.partial_path());
  return std::make_unique<Hdf5ProfileWriter>(
      path, metadata, rows, std::move(feature_names), std::move(file),
      *std::move(features));
}

absl::StatusOr<ProfileFrame> ReadProfileFrameHdf5(const std::string& path) {
  QuietHdf5Errors();
  auto file = Hdf5Call(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                       H5Fclose, "open");
  if (!file.ok()) return Annotate(file.status(), path);
  absl::StatusOr<ProfileFrame> frame = ReadBody(file->get(), path);
  if (!frame.ok()) return Annotate(frame.status(), path);
  return frame;
}

}  // namespace micon
