#include "data/plate_writer.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"

namespace micon {
namespace {

namespace f = plate_fields;

absl::Status CheckHeader(const PlateHeader& h) {
  if (h.source.empty() || h.batch.empty() || h.plate.empty()) {
    return absl::InvalidArgumentError(
        "plate header: source, batch and plate must be non-empty");
  }
  if (h.channels.empty())
    return absl::InvalidArgumentError("plate header: no channels");
  if (h.height <= 0 || h.width <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("plate header: bad image size ", h.height, "x", h.width));
  }
  return absl::OkStatus();
}

absl::StatusOr<Hdf5Id> CreateImagesDataset(hid_t file, const PlateHeader& h,
                                           int level) {
  const std::string what = "create dataset /images";
  const hsize_t dims[4] = {0, static_cast<hsize_t>(h.num_channels()),
                           static_cast<hsize_t>(h.height),
                           static_cast<hsize_t>(h.width)};
  const hsize_t max_dims[4] = {H5S_UNLIMITED, dims[1], dims[2], dims[3]};
  const hsize_t chunk[4] = {1, dims[1], dims[2], dims[3]};
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id space,
      Hdf5Call(H5Screate_simple(4, dims, max_dims), H5Sclose, what));
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id props, Hdf5Call(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, what));
  MICON_RETURN_IF_ERROR(Hdf5Check(H5Pset_chunk(props.get(), 4, chunk), what));
  // A checksum per image: a damaged chunk fails its read instead of returning
  // wrong pixels.
  MICON_RETURN_IF_ERROR(Hdf5Check(H5Pset_fletcher32(props.get()), what));
  if (level > 0) {
    MICON_RETURN_IF_ERROR(Hdf5Check(H5Pset_shuffle(props.get()), what));
    MICON_RETURN_IF_ERROR(Hdf5Check(H5Pset_deflate(props.get(), level), what));
  }
  const hid_t file_type =
      h.pixel_type == PixelType::kUint8 ? H5T_STD_U8LE : H5T_STD_U16LE;
  return Hdf5Call(H5Dcreate2(file, f::kImages, file_type, space.get(),
                             H5P_DEFAULT, props.get(), H5P_DEFAULT),
                  H5Dclose, what);
}

}  // namespace

absl::Status WriteHeaderAttributes(hid_t file, const PlateHeader& h) {
  MICON_RETURN_IF_ERROR(WriteStringAttribute(file, f::kSource, h.source));
  MICON_RETURN_IF_ERROR(WriteStringAttribute(file, f::kBatch, h.batch));
  MICON_RETURN_IF_ERROR(WriteStringAttribute(file, f::kPlate, h.plate));
  return WriteStringArrayAttribute(file, f::kChannels, h.channels);
}

absl::Status WriteImageRecords(hid_t file,
                               const std::vector<ImageRecord>& images) {
  std::vector<std::string> wells, compounds;
  std::vector<int32_t> sites;
  std::vector<uint8_t> controls;
  for (const ImageRecord& r : images) {
    wells.push_back(r.well);
    compounds.push_back(r.compound);
    sites.push_back(r.site);
    controls.push_back(r.control ? 1 : 0);
  }
  const std::vector<hsize_t> n = {images.size()};
  MICON_RETURN_IF_ERROR(WriteStringDataset(file, f::kWell, wells));
  MICON_RETURN_IF_ERROR(
      WriteNumericDataset(file, f::kSite, H5T_NATIVE_INT32, n, sites.data()));
  MICON_RETURN_IF_ERROR(WriteStringDataset(file, f::kCompound, compounds));
  return WriteNumericDataset(file, f::kControl, H5T_NATIVE_UINT8, n,
                             controls.data());
}

absl::StatusOr<PlateWriter> PlateWriter::Create(
    const std::string& path, const PlateHeader& header,
    const PlateWriterOptions& options) {
  QuietHdf5Errors();
  MICON_RETURN_IF_ERROR(Annotate(CheckHeader(header), path));
  if (options.compression_level < 0 || options.compression_level > 9) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": compression level ",
                                                   options.compression_level,
                                                   " outside 0-9"));
  }
  std::error_code ec;
  if (!options.overwrite && std::filesystem::exists(path, ec)) {
    return absl::AlreadyExistsError(
        path + ": already exists (pass overwrite to replace it)");
  }
  MICON_ASSIGN_OR_RETURN(Hdf5PartialFile file, Hdf5PartialFile::Create(path));
  PlateWriter w(std::move(file), header);
  const std::string& partial = w.file_.partial_path();
  MICON_RETURN_IF_ERROR(
      Annotate(WriteHeaderAttributes(w.file_.get(), header), partial));
  auto images =
      CreateImagesDataset(w.file_.get(), header, options.compression_level);
  if (!images.ok()) return Annotate(images.status(), partial);
  w.images_ = *std::move(images);
  return w;
}

PlateWriter::PlateWriter(Hdf5PartialFile file, const PlateHeader& header)
    : file_(std::move(file)), header_(header) {}

PlateWriter::PlateWriter(PlateWriter&& other) noexcept
    : file_(std::move(other.file_)),
      header_(std::move(other.header_)),
      records_(std::move(other.records_)),
      images_(std::move(other.images_)),
      finished_(std::exchange(other.finished_, true)) {}

absl::Status PlateWriter::Append(const ImageRecord& record,
                                 const uint16_t* pixels) {
  QuietHdf5Errors();
  const std::string what =
      absl::StrCat(file_.partial_path(), ": append image ", records_.size(),
                   " (well ", record.well, ")");
  if (finished_)
    return absl::FailedPreconditionError(what + ": writer already finished");
  if (record.well.empty() || record.compound.empty() || record.site < 0) {
    return absl::InvalidArgumentError(
        what + ": well and compound must be non-empty, site >= 0");
  }
  const int64_t count = header_.pixels_per_image();
  if (header_.pixel_type == PixelType::kUint8 &&
      std::any_of(pixels, pixels + count, [](uint16_t v) { return v > 255; })) {
    return absl::InvalidArgumentError(
        what + ": pixel value above 255 for a uint8 plate");
  }
  const hsize_t n = records_.size();
  const hsize_t new_dims[4] = {n + 1,
                               static_cast<hsize_t>(header_.num_channels()),
                               static_cast<hsize_t>(header_.height),
                               static_cast<hsize_t>(header_.width)};
  MICON_RETURN_IF_ERROR(
      Hdf5Check(H5Dset_extent(images_.get(), new_dims), what));
  MICON_ASSIGN_OR_RETURN(Hdf5Slice slice,
                         SelectLeadingSlice(images_.get(), n, what));
  MICON_RETURN_IF_ERROR(Hdf5Check(
      H5Dwrite(images_.get(), H5T_NATIVE_UINT16, slice.memory_space.get(),
               slice.file_space.get(), H5P_DEFAULT, pixels),
      what));
  records_.push_back(record);
  return absl::OkStatus();
}

absl::Status PlateWriter::Finish() {
  QuietHdf5Errors();
  if (finished_) {
    return absl::FailedPreconditionError(file_.path() +
                                         ": writer already finished");
  }
  if (records_.empty()) {
    return absl::FailedPreconditionError(
        file_.path() + ": refusing to write an empty plate (0 images)");
  }
  absl::Status status = WriteImageRecords(file_.get(), records_);
  if (status.ok()) status = images_.Close();
  MICON_RETURN_IF_ERROR(Annotate(status, file_.partial_path()));
  MICON_RETURN_IF_ERROR(file_.Commit());
  finished_ = true;
  return absl::OkStatus();
}

}  // namespace micon
