#include "data/profile_frame_hdf5.h"

#include <torch/torch.h>

#include <algorithm>
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

// The file and memory dataspaces of rows [first, first + count) of
// /features, `width` features each: what a block's write or read selects.
struct RowSlab {
  Hdf5Id file_space, memory_space;
};

absl::StatusOr<RowSlab> SelectRowSlab(hid_t features, int64_t first,
                                      int64_t count, int64_t width,
                                      const std::string& what) {
  const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
  const hsize_t extent[2] = {static_cast<hsize_t>(count),
                             static_cast<hsize_t>(width)};
  RowSlab slab;
  MICON_ASSIGN_OR_RETURN(slab.file_space,
                         Hdf5Call(H5Dget_space(features), H5Sclose, what));
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Sselect_hyperslab(slab.file_space.get(), H5S_SELECT_SET,
                                    start, nullptr, extent, nullptr),
                what));
  MICON_ASSIGN_OR_RETURN(
      slab.memory_space,
      Hdf5Call(H5Screate_simple(2, extent, nullptr), H5Sclose, what));
  return slab;
}

// Checked value by value: torch::isfinite would allocate a copy of the
// values (its abs()), doubling a read's peak memory.
absl::Status CheckFinite(const double* values, int64_t rows, int64_t first_row,
                         const std::vector<std::string>& names) {
  const int64_t width = static_cast<int64_t>(names.size());
  for (int64_t i = 0; i < rows * width; ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dataset /", kFeatures, " row ", first_row + i / width + 1,
          ", column ", names[static_cast<size_t>(i % width)], ": ", values[i],
          " is not a finite number (drop or impute missing features first)"));
    }
  }
  return absl::OkStatus();
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
    absl::StatusOr<RowSlab> slab =
        SelectRowSlab(features_.get(), first, count,
                      static_cast<int64_t>(feature_names().size()), what);
    const absl::Status status =
        slab.ok()
            ? Hdf5Check(H5Dwrite(features_.get(), H5T_NATIVE_DOUBLE,
                                 slab->memory_space.get(),
                                 slab->file_space.get(), H5P_DEFAULT, values),
                        what)
            : slab.status();
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

// /features, checked against the names: its handle and row count.
struct FeatureMatrix {
  Hdf5Id dataset;
  int64_t rows = 0;
};

absl::StatusOr<FeatureMatrix> OpenFeatures(
    hid_t file, const std::vector<std::string>& names) {
  FeatureMatrix m;
  MICON_ASSIGN_OR_RETURN(m.dataset, OpenDataset(file, kFeatures));
  MICON_ASSIGN_OR_RETURN(std::vector<hsize_t> dims,
                         DatasetDims(m.dataset.get(), kFeatures));
  if (dims.size() != 2 || dims[1] != names.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset /", kFeatures, ": expected [rows, ", names.size(), "]"));
  }
  m.rows = static_cast<int64_t>(dims[0]);
  return m;
}

absl::StatusOr<ProfileFrame> ReadBody(hid_t file, const std::string& path,
                                      ProfileFrameRead what) {
  ProfileFrame frame;
  frame.path = path;
  MICON_ASSIGN_OR_RETURN(frame.feature_names,
                         ReadStringDataset(file, kFeatureNames));
  MICON_ASSIGN_OR_RETURN(FeatureMatrix features,
                         OpenFeatures(file, frame.feature_names));
  const int64_t rows = features.rows;
  if (what == ProfileFrameRead::kIndex) {
    frame.features = torch::empty({rows, 0}, torch::kFloat64);
  } else {
    frame.features =
        torch::empty({rows, static_cast<int64_t>(frame.feature_names.size())},
                     torch::kFloat64);
    MICON_RETURN_IF_ERROR(Hdf5Check(
        H5Dread(features.dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                H5P_DEFAULT, frame.features.data_ptr<double>()),
        absl::StrCat("read /", kFeatures)));
    MICON_RETURN_IF_ERROR(CheckFinite(frame.features.data_ptr<double>(), rows,
                                      0, frame.feature_names));
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
  // Each metadata column is a dataset named by the column, and HDF5 reads a
  // '/' in a name as a group: refused before the file is made.
  for (const std::string& name : metadata.metadata_names) {
    if (name.empty() || name == "." || absl::StrContains(name, '/')) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": metadata column '", name,
          "' cannot name an HDF5 dataset (empty, '.' or holding '/'); rename "
          "it (micon merge-profiles --rename OLD=NEW) or write CSV"));
    }
  }
  MICON_ASSIGN_OR_RETURN(Hdf5PartialFile file, Hdf5PartialFile::Create(path));
  absl::StatusOr<Hdf5Id> features =
      WriteLayout(file.get(), metadata, rows, feature_names);
  if (!features.ok()) return Annotate(features.status(), file.partial_path());
  return std::make_unique<Hdf5ProfileWriter>(
      path, metadata, rows, std::move(feature_names), std::move(file),
      *std::move(features));
}

namespace {

// The profile file at `path`, read-only; an error names the path.
absl::StatusOr<Hdf5Id> OpenForReading(const std::string& path) {
  QuietHdf5Errors();
  auto file = Hdf5Call(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                       H5Fclose, "open");
  if (!file.ok()) return Annotate(file.status(), path);
  return file;
}

}  // namespace

absl::StatusOr<ProfileFrame> ReadProfileFrameHdf5(const std::string& path,
                                                  ProfileFrameRead what) {
  MICON_ASSIGN_OR_RETURN(const Hdf5Id file, OpenForReading(path));
  absl::StatusOr<ProfileFrame> frame = ReadBody(file.get(), path, what);
  if (!frame.ok()) return Annotate(frame.status(), path);
  return frame;
}

namespace {

// /features, when the file still has the rows and features its index read
// found.
absl::StatusOr<FeatureMatrix> OpenUnchangedFeatures(
    hid_t file, const std::vector<std::string>& names, int64_t file_rows) {
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string> now,
                         ReadStringDataset(file, kFeatureNames));
  MICON_ASSIGN_OR_RETURN(FeatureMatrix features, OpenFeatures(file, now));
  if (now != names || features.rows != file_rows) {
    return absl::FailedPreconditionError(
        absl::StrCat("has ", features.rows, " rows of ", now.size(),
                     " features now, ", file_rows, " of ", names.size(),
                     " when it was first read; it changed in between"));
  }
  return features;
}

// Rows [first, first + count) of /features into `to` (row-major float64),
// every value checked finite.
absl::Status ReadFiniteRows(const FeatureMatrix& features,
                            const std::vector<std::string>& names,
                            int64_t first, int64_t count, double* to) {
  const std::string what = absl::StrCat("read rows ", first + 1, "-",
                                        first + count, " of /", kFeatures);
  const int64_t width = static_cast<int64_t>(names.size());
  MICON_ASSIGN_OR_RETURN(
      const RowSlab slab,
      SelectRowSlab(features.dataset.get(), first, count, width, what));
  MICON_RETURN_IF_ERROR(Hdf5Check(
      H5Dread(features.dataset.get(), H5T_NATIVE_DOUBLE,
              slab.memory_space.get(), slab.file_space.get(), H5P_DEFAULT, to),
      what));
  return CheckFinite(to, count, first, names);
}

absl::Status ReadBlocks(hid_t file, const std::vector<std::string>& names,
                        int64_t file_rows, int64_t block_rows,
                        const FeatureBlockSink& on_block) {
  MICON_ASSIGN_OR_RETURN(const FeatureMatrix features,
                         OpenUnchangedFeatures(file, names, file_rows));
  const int64_t width = static_cast<int64_t>(names.size());
  for (int64_t first = 0; first < file_rows; first += block_rows) {
    const int64_t count = std::min(block_rows, file_rows - first);
    at::Tensor block = torch::empty({count, width}, torch::kFloat64);
    MICON_RETURN_IF_ERROR(ReadFiniteRows(features, names, first, count,
                                         block.data_ptr<double>()));
    MICON_RETURN_IF_ERROR(on_block(first, block));
  }
  return absl::OkStatus();
}

absl::Status ReadRows(hid_t file, const std::vector<std::string>& names,
                      int64_t file_rows,
                      const std::vector<RowDestination>& rows) {
  MICON_ASSIGN_OR_RETURN(const FeatureMatrix features,
                         OpenUnchangedFeatures(file, names, file_rows));
  // Runs of consecutive rows are read as one slab, at most 8 MiB at a time.
  const int64_t width = static_cast<int64_t>(names.size());
  const int64_t most = std::max<int64_t>(1, (int64_t{8} << 20) / (8 * width));
  std::vector<double> buffer;
  for (size_t i = 0; i < rows.size();) {
    size_t end = i + 1;
    while (end < rows.size() && static_cast<int64_t>(end - i) < most &&
           rows[end].row == rows[end - 1].row + 1) {
      ++end;
    }
    const int64_t first = rows[i].row, count = static_cast<int64_t>(end - i);
    buffer.resize(static_cast<size_t>(count * width));
    MICON_RETURN_IF_ERROR(
        ReadFiniteRows(features, names, first, count, buffer.data()));
    for (size_t k = i; k < end; ++k) {
      const double* from = buffer.data() + (k - i) * static_cast<size_t>(width);
      NarrowToFloat(from, width, rows[k].to);
    }
    i = end;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadProfileFeatureBlocksHdf5(
    const std::string& path, const std::vector<std::string>& feature_names,
    int64_t file_rows, int64_t block_rows, const FeatureBlockSink& on_block) {
  MICON_ASSIGN_OR_RETURN(const Hdf5Id file, OpenForReading(path));
  return Annotate(
      ReadBlocks(file.get(), feature_names, file_rows, block_rows, on_block),
      path);
}

absl::Status ReadProfileRowsHdf5(const std::string& path,
                                 const std::vector<std::string>& feature_names,
                                 int64_t file_rows,
                                 const std::vector<RowDestination>& rows) {
  MICON_ASSIGN_OR_RETURN(const Hdf5Id file, OpenForReading(path));
  return Annotate(ReadRows(file.get(), feature_names, file_rows, rows), path);
}

}  // namespace micon
