#include "data/plate_reader.h"

#include <filesystem>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"

namespace micon {
namespace {

namespace f = plate_fields;

absl::StatusOr<PixelType> ImagePixelType(hid_t images) {
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id type, Hdf5Call(H5Dget_type(images), H5Tclose, "dataset /images"));
  const bool is_unsigned_int = H5Tget_class(type.get()) == H5T_INTEGER &&
                               H5Tget_sign(type.get()) == H5T_SGN_NONE;
  const size_t size = H5Tget_size(type.get());
  if (is_unsigned_int && size == 2) return PixelType::kUint16;
  if (is_unsigned_int && size == 1) return PixelType::kUint8;
  return absl::InvalidArgumentError(absl::StrCat(
      "dataset /images: expected uint16 or uint8 pixels, found a ", size * 8,
      "-bit ",
      H5Tget_class(type.get()) == H5T_FLOAT ? "float" : "non-unsigned-integer",
      " type"));
}

absl::Status CheckLength(const std::string& field, size_t length,
                         int64_t num_images, const std::string& sized_by) {
  if (static_cast<int64_t>(length) == num_images) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("dataset /", field, ": has ", length, " entries but /",
                   sized_by, " has ", num_images));
}

// A per-image dataset's length, from its dataspace, before anything is
// allocated for its values (a damaged file may claim any length). Other
// ranks are left to the reader, which names them.
absl::Status CheckLengthBeforeReading(hid_t file, const std::string& field,
                                      int64_t num_images,
                                      const std::string& sized_by) {
  MICON_ASSIGN_OR_RETURN(Hdf5Id dataset, OpenDataset(file, field));
  MICON_ASSIGN_OR_RETURN(std::vector<hsize_t> dims,
                         DatasetDims(dataset.get(), "dataset /" + field));
  if (dims.size() != 1) return absl::OkStatus();
  return CheckLength(field, static_cast<size_t>(dims[0]), num_images, sized_by);
}

// Limits far beyond any plate, so that a damaged header cannot make a reader
// allocate what it claims: 2^24 fields in one file (a 1536-well plate at 16
// sites has 24,576), 1024 channels, and kMaxPixelsPerField (plate.h).
constexpr uint64_t kMaxImages = uint64_t{1} << 24;
constexpr uint64_t kMaxChannels = 1024;

absl::Status CheckNonEmpty(const std::string& field,
                           const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset /", field, ": entry ", i, " is empty"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadHeaderAttributes(hid_t file, PlateHeader& header) {
  for (auto [name, target] : {std::pair{f::kSource, &header.source},
                              std::pair{f::kBatch, &header.batch},
                              std::pair{f::kPlate, &header.plate}}) {
    MICON_ASSIGN_OR_RETURN(*target, ReadStringAttribute(file, name));
    if (target->empty())
      return absl::InvalidArgumentError(
          absl::StrCat("attribute ", name, ": empty"));
  }
  MICON_ASSIGN_OR_RETURN(header.channels,
                         ReadStringArrayAttribute(file, f::kChannels));
  std::set<std::string> seen;
  for (const std::string& c : header.channels) {
    if (c.empty() || !seen.insert(c).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute channels: names must be non-empty "
                       "and unique, found [",
                       absl::StrJoin(header.channels, ", "), "]"));
    }
  }
  return absl::OkStatus();
}

namespace {

// /images without a chunk cache: a chunk is one image, read whole and not
// again soon (a loader samples at random), and HDF5's default 1 MiB cache per
// open dataset made a rank holding 1,000 open plates 1 GB larger.
absl::StatusOr<Hdf5Id> OpenImages(hid_t file) {
  MICON_ASSIGN_OR_RETURN(Hdf5Id access,
                         Hdf5Call(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose,
                                  "dataset /images access properties"));
  MICON_RETURN_IF_ERROR(Hdf5Check(
      H5Pset_chunk_cache(access.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT),
      "dataset /images chunk cache"));
  return OpenDataset(file, f::kImages, access.get());
}

// A plate file opened read-only, with HDF5's end of allocation: the size the
// file must keep at every read (0 when HDF5 cannot say).
struct OpenedFile {
  Hdf5Id file;
  uint64_t end_of_allocation = 0;
};

// `what` names the opening in errors ("open", "open again").
absl::StatusOr<OpenedFile> OpenPlateFileAt(const std::string& path,
                                           const char* what) {
  auto file = Hdf5Call(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                       H5Fclose, what);
  if (!file.ok()) return Annotate(file.status(), path);
  OpenedFile opened{*std::move(file)};
  haddr_t eoa = 0;
  if (H5Fget_eoa(opened.file.get(), &eoa) >= 0) opened.end_of_allocation = eoa;
  return opened;
}

// Reads and checks every field; the caller adds the file name to any error.
absl::Status ReadStructure(hid_t file, Hdf5Id& images, PlateMetadata& meta) {
  PlateHeader& header = meta.header;
  MICON_RETURN_IF_ERROR(ReadHeaderAttributes(file, header));
  MICON_ASSIGN_OR_RETURN(images, OpenImages(file));
  MICON_ASSIGN_OR_RETURN(header.pixel_type, ImagePixelType(images.get()));
  MICON_ASSIGN_OR_RETURN(std::vector<hsize_t> dims,
                         DatasetDims(images.get(), "dataset /images"));
  if (dims.size() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset /images: expected shape [N, C, H, W], found rank ",
        dims.size()));
  }
  if (dims[0] > kMaxImages || dims[1] > kMaxChannels ||
      dims[2] > kMaxPixelsPerField || dims[3] > kMaxPixelsPerField ||
      dims[2] * dims[3] > kMaxPixelsPerField) {
    return absl::DataLossError(absl::StrCat(
        "dataset /images: claims shape [", absl::StrJoin(dims, ", "),
        "], beyond any plate (at most ", kMaxImages, " images, ", kMaxChannels,
        " channels, ", kMaxPixelsPerField, " pixels an image): damaged?"));
  }
  const int64_t n = static_cast<int64_t>(dims[0]);
  if (n == 0)
    return absl::InvalidArgumentError(
        "dataset /images: empty plate (0 images)");
  if (static_cast<int64_t>(dims[1]) != header.num_channels()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset /images: has ", dims[1],
        " channels but attribute channels names ", header.num_channels()));
  }
  if (dims[2] == 0 || dims[3] == 0) {
    return absl::InvalidArgumentError(
        "dataset /images: zero image height or width");
  }
  header.height = static_cast<int64_t>(dims[2]);
  header.width = static_cast<int64_t>(dims[3]);
  return ReadImageRecords(file, n, f::kImages, meta);
}

}  // namespace

absl::Status ReadImageRecords(hid_t file, int64_t n,
                              const std::string& sized_by,
                              PlateMetadata& meta) {
  for (const char* field : {f::kWell, f::kSite, f::kCompound, f::kControl}) {
    MICON_RETURN_IF_ERROR(CheckLengthBeforeReading(file, field, n, sized_by));
  }
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> wells,
                         ReadStringDataset(file, f::kWell));
  MICON_ASSIGN_OR_RETURN(std::vector<int64_t> sites,
                         ReadIntegerDataset(file, f::kSite));
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> compounds,
                         ReadStringDataset(file, f::kCompound));
  MICON_ASSIGN_OR_RETURN(std::vector<int64_t> controls,
                         ReadIntegerDataset(file, f::kControl));
  MICON_RETURN_IF_ERROR(CheckLength(f::kWell, wells.size(), n, sized_by));
  MICON_RETURN_IF_ERROR(CheckLength(f::kSite, sites.size(), n, sized_by));
  MICON_RETURN_IF_ERROR(
      CheckLength(f::kCompound, compounds.size(), n, sized_by));
  MICON_RETURN_IF_ERROR(CheckLength(f::kControl, controls.size(), n, sized_by));
  MICON_RETURN_IF_ERROR(CheckNonEmpty(f::kWell, wells));
  MICON_RETURN_IF_ERROR(CheckNonEmpty(f::kCompound, compounds));

  meta.images.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    if (sites[i] < 0 || sites[i] > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dataset /site: entry ", i, " is ", sites[i], ", outside [0, 2^31)"));
    }
    if (controls[i] != 0 && controls[i] != 1) {
      return absl::InvalidArgumentError(absl::StrCat("dataset /control: entry ",
                                                     i, " is ", controls[i],
                                                     ", expected 0 or 1"));
    }
    meta.images[i] =
        ImageRecord{std::move(wells[i]), static_cast<int32_t>(sites[i]),
                    std::move(compounds[i]), controls[i] == 1};
  }
  return absl::OkStatus();
}

absl::StatusOr<PlateReader> PlateReader::Open(
    const std::string& path, std::shared_ptr<PlateFilePool> pool) {
  QuietHdf5Errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(path + ": no such plate file");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return absl::DataLossError(
        path + ": not an HDF5 file (unreadable, truncated or damaged)");
  }
  PlateReader reader;
  reader.metadata_.path = path;
  reader.pool_ = pool ? std::move(pool) : std::make_shared<PlateFilePool>(1);
  MICON_ASSIGN_OR_RETURN(OpenedFile opened, OpenPlateFileAt(path, "open"));
  OpenPlateFile open;
  open.file = std::move(opened.file);
  reader.expected_size_ = opened.end_of_allocation;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (!ec && size < reader.expected_size_) {
    return absl::DataLossError(absl::StrCat(path, ": truncated (", size,
                                            " bytes, HDF5 expects ",
                                            reader.expected_size_, ")"));
  }
  MICON_RETURN_IF_ERROR(Annotate(
      ReadStructure(open.file.get(), open.images, reader.metadata_), path));
  reader.pool_->Adopt(path, std::move(open));
  return reader;
}

absl::StatusOr<OpenPlateFile> PlateReader::Reopen() const {
  const std::string& path = metadata_.path;
  MICON_ASSIGN_OR_RETURN(OpenedFile opened,
                         OpenPlateFileAt(path, "open again"));
  OpenPlateFile open;
  open.file = std::move(opened.file);
  const uint64_t eoa = opened.end_of_allocation;
  // The file was validated when first opened; reading it again is only safe
  // if it is still that file, so anything that changed its layout is refused.
  const auto changed = [&](const std::string& what) {
    return absl::DataLossError(
        absl::StrCat(path, ": changed since it was opened (", what,
                     "); it was rewritten or replaced during the run"));
  };
  if (expected_size_ > 0 && eoa > 0 && eoa != expected_size_) {
    return changed(absl::StrCat("HDF5's end of allocation is ", eoa,
                                " bytes, was ", expected_size_));
  }
  auto images = OpenImages(open.file.get());
  if (!images.ok()) return Annotate(images.status(), path);
  open.images = *std::move(images);
  auto dims = DatasetDims(open.images.get(), "dataset /images");
  if (!dims.ok()) return Annotate(dims.status(), path);
  const PlateHeader& h = metadata_.header;
  const std::vector<hsize_t> want = {
      static_cast<hsize_t>(metadata_.num_images()),
      static_cast<hsize_t>(h.num_channels()), static_cast<hsize_t>(h.height),
      static_cast<hsize_t>(h.width)};
  if (*dims != want) {
    return changed(absl::StrCat("/images is [", absl::StrJoin(*dims, ", "),
                                "], was [", absl::StrJoin(want, ", "), "]"));
  }
  auto type = ImagePixelType(open.images.get());
  if (!type.ok()) return Annotate(type.status(), path);
  if (*type != h.pixel_type) return changed("/images has another pixel type");
  return open;
}

absl::Status PlateReader::ReadImage(int64_t index, uint16_t* out) const {
  QuietHdf5Errors();
  if (index < 0 || index >= metadata_.num_images()) {
    return absl::OutOfRangeError(absl::StrCat(metadata_.path, ": image index ",
                                              index, " outside [0, ",
                                              metadata_.num_images(), ")"));
  }
  const std::string what =
      absl::StrCat(metadata_.path, ": read /images[", index, "]");
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(metadata_.path, ec);
  if (ec || size < expected_size_) {
    return absl::DataLossError(absl::StrCat(
        what, ": the file shrank to ", ec ? 0 : size, " bytes (HDF5 expects ",
        expected_size_, "); it was truncated or replaced after it was opened"));
  }
  MICON_ASSIGN_OR_RETURN(
      PlateFilePool::Handle open,
      pool_->Acquire(metadata_.path, [this] { return Reopen(); }));
  MICON_ASSIGN_OR_RETURN(Hdf5Slice slice,
                         SelectLeadingSlice(open->images.get(), index, what));
  // HDF5 widens uint8 files to the uint16 memory type during the read.
  return Hdf5Check(
      H5Dread(open->images.get(), H5T_NATIVE_UINT16, slice.memory_space.get(),
              slice.file_space.get(), H5P_DEFAULT, out),
      what);
}

absl::StatusOr<PlateMetadata> ReadPlateMetadata(const std::string& path) {
  MICON_ASSIGN_OR_RETURN(PlateReader reader, PlateReader::Open(path));
  return reader.metadata();
}

}  // namespace micon
