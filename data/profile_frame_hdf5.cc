#include "data/profile_frame_hdf5.h"

#include <torch/torch.h>

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"
#include "data/hdf5_id.h"

namespace micon {
namespace {

constexpr char kFeatures[] = "features";
constexpr char kFeatureNames[] = "feature_names";
constexpr char kMetadata[] = "metadata";
constexpr char kColumns[] = "columns";

absl::Status WriteBody(hid_t file, const ProfileFrame& frame) {
  const torch::Tensor x = frame.features.to(torch::kFloat64).contiguous();
  MICON_RETURN_IF_ERROR(WriteNumericDataset(
      file, kFeatures, H5T_NATIVE_DOUBLE,
      {static_cast<hsize_t>(x.size(0)), static_cast<hsize_t>(x.size(1))},
      x.data_ptr<double>()));
  MICON_RETURN_IF_ERROR(
      WriteStringDataset(file, kFeatureNames, frame.feature_names));
  MICON_ASSIGN_OR_RETURN(Hdf5Id group,
                         Hdf5Call(H5Gcreate2(file, kMetadata, H5P_DEFAULT,
                                             H5P_DEFAULT, H5P_DEFAULT),
                                  H5Gclose, "create /metadata"));
  MICON_RETURN_IF_ERROR(
      WriteStringArrayAttribute(group.get(), kColumns, frame.metadata_names));
  for (size_t c = 0; c < frame.metadata_names.size(); ++c) {
    MICON_RETURN_IF_ERROR(WriteStringDataset(
        group.get(), frame.metadata_names[c], frame.metadata[c]));
  }
  MICON_RETURN_IF_ERROR(group.Close());
  return Hdf5Check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush");
}

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
  if (!torch::isfinite(frame.features).all().item<bool>()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset /", kFeatures, ": holds NaN or infinity"));
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

absl::Status WriteProfileFrameHdf5(const ProfileFrame& frame,
                                   const std::string& path) {
  return WriteHdf5File(path,
                       [&frame](hid_t file) { return WriteBody(file, frame); });
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
