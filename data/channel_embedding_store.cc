#include "data/channel_embedding_store.h"

#include <hdf5.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"
#include "data/plate_reader.h"
#include "data/plate_writer.h"

namespace micon {
namespace {

absl::Status WriteBody(hid_t file, const ChannelEmbeddingPlate& plate) {
  const hsize_t n = plate.images.size();
  const hsize_t c = static_cast<hsize_t>(plate.header.num_channels());
  MICON_RETURN_IF_ERROR(WriteNumericDataset(
      file, kEmbeddingsField, H5T_NATIVE_FLOAT,
      {n, c, static_cast<hsize_t>(plate.dim)}, plate.embeddings.data()));
  MICON_RETURN_IF_ERROR(WriteImageRecords(file, plate.images));
  MICON_RETURN_IF_ERROR(WriteHeaderAttributes(file, plate.header));
  if (!plate.encoder_checksum.empty()) {
    MICON_RETURN_IF_ERROR(
        WriteStringAttribute(file, "encoder_checksum", plate.encoder_checksum));
  }
  return WriteStringAttribute(file, "encoder", plate.encoder);
}

// Limits far beyond any store, so that a damaged header cannot make a
// reader allocate what it claims (as the plate reader's).
constexpr hsize_t kMaxImages = hsize_t{1} << 24, kMaxChannels = 1024,
                  kMaxDim = hsize_t{1} << 16;
// And N x C x D in all, kMaxHdf5Values: 2^28 floats (1 GiB) is 8 times a
// plate of 3,456 fields x 5 stains x 2,048 dimensions (ResNet-50 features).
constexpr hsize_t kMaxValues = static_cast<hsize_t>(kMaxHdf5Values);

// The plate's metadata, D and encoder; the vectors only when `vectors`.
absl::Status ReadPlate(hid_t file, ChannelEmbeddingPlate& plate,
                       std::vector<float>* vectors) {
  PlateMetadata meta;
  MICON_RETURN_IF_ERROR(ReadHeaderAttributes(file, meta.header));
  MICON_ASSIGN_OR_RETURN(plate.encoder, ReadStringAttribute(file, "encoder"));
  if (H5Aexists(file, "encoder_checksum") > 0) {
    MICON_ASSIGN_OR_RETURN(plate.encoder_checksum,
                           ReadStringAttribute(file, "encoder_checksum"));
  }
  const std::string what = absl::StrCat("dataset /", kEmbeddingsField);
  MICON_ASSIGN_OR_RETURN(Hdf5Id embeddings,
                         OpenDataset(file, kEmbeddingsField));
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id type, Hdf5Call(H5Dget_type(embeddings.get()), H5Tclose, what));
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected float32 or float16 vectors"));
  }
  MICON_ASSIGN_OR_RETURN(std::vector<hsize_t> dims,
                         DatasetDims(embeddings.get(), what));
  if (dims.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": expected shape [N, C, D], found rank ", dims.size()));
  }
  // Each factor is bounded first, so the product cannot overflow.
  if (dims[0] == 0 || dims[0] > kMaxImages || dims[1] > kMaxChannels ||
      dims[2] == 0 || dims[2] > kMaxDim ||
      dims[0] * dims[1] * dims[2] > kMaxValues) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": shape [", dims[0], ", ", dims[1], ", ", dims[2],
                     "] is empty or beyond any store (at most ", kMaxImages,
                     " images, ", kMaxChannels, " channels, ", kMaxDim,
                     " dimensions, ", kMaxValues, " values): damaged?"));
  }
  if (static_cast<int64_t>(dims[1]) != meta.header.num_channels()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": has ", dims[1], " channels but attribute channels names ",
        meta.header.num_channels()));
  }
  MICON_RETURN_IF_ERROR(ReadImageRecords(file, static_cast<int64_t>(dims[0]),
                                         kEmbeddingsField, meta));
  plate.header = std::move(meta.header);
  plate.images = std::move(meta.images);
  plate.dim = static_cast<int64_t>(dims[2]);
  if (vectors == nullptr) return absl::OkStatus();
  MICON_ASSIGN_OR_RETURN(
      *vectors,
      ReadFloatDataset(file, kEmbeddingsField,
                       static_cast<int64_t>(dims[0] * dims[1] * dims[2])));
  return absl::OkStatus();
}

absl::StatusOr<ChannelEmbeddingPlate> OpenAndRead(const std::string& path,
                                                  bool with_vectors) {
  QuietHdf5Errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return absl::DataLossError(
        path + ": not an HDF5 file (missing, unreadable or damaged)");
  }
  auto file = Hdf5Call(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                       H5Fclose, "open");
  if (!file.ok()) return Annotate(file.status(), path);
  ChannelEmbeddingPlate plate;
  MICON_RETURN_IF_ERROR(Annotate(
      ReadPlate(file->get(), plate, with_vectors ? &plate.embeddings : nullptr),
      path));
  return plate;
}

}  // namespace

bool HasChannelEmbeddings(const std::string& path) {
  QuietHdf5Errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
  auto file = Hdf5Call(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                       H5Fclose, "open");
  return file.ok() && H5Lexists(file->get(), kEmbeddingsField, H5P_DEFAULT) > 0;
}

absl::StatusOr<ChannelEmbeddingPlate> ReadChannelEmbeddingPlate(
    const std::string& path) {
  return OpenAndRead(path, /*with_vectors=*/true);
}

absl::StatusOr<at::Tensor> ReadPlateVectors(const PlateMetadata& plate) {
  MICON_ASSIGN_OR_RETURN(ChannelEmbeddingPlate stored,
                         ReadChannelEmbeddingPlate(plate.path));
  const int64_t n = static_cast<int64_t>(stored.images.size());
  if (n != plate.num_images()) {
    return absl::DataLossError(
        absl::StrCat(plate.path, ": holds ", n, " images, ", plate.num_images(),
                     " when the store was opened: it changed"));
  }
  return torch::from_blob(stored.embeddings.data(),
                          {n, stored.header.num_channels(), stored.dim},
                          torch::kFloat)
      .clone();
}

absl::StatusOr<ChannelEmbeddingStore> OpenChannelEmbeddingStore(
    const std::string& root) {
  struct Origin {
    int64_t dim;
    std::string encoder, checksum;
  };
  std::map<std::string, Origin> shapes;
  ChannelEmbeddingStore store;
  MICON_ASSIGN_OR_RETURN(
      store.index,
      OpenPlateFolder(
          root,
          [&shapes](const std::string& path) -> absl::StatusOr<PlateMetadata> {
            MICON_ASSIGN_OR_RETURN(ChannelEmbeddingPlate plate,
                                   OpenAndRead(path, /*with_vectors=*/false));
            shapes[path] = {plate.dim, plate.encoder, plate.encoder_checksum};
            return PlateMetadata{path, std::move(plate.header),
                                 std::move(plate.images)};
          }));
  const PlateMetadata& first = store.index.plates.front();
  const Origin& want = shapes.at(first.path);
  store.dim = want.dim;
  store.encoder = want.encoder;
  store.encoder_checksum = want.checksum;
  const auto describe = [](const Origin& o) {
    return absl::StrCat("width ", o.dim, " from encoder '", o.encoder, "'",
                        o.checksum.empty() ? ""
                                           : absl::StrCat(" (model checksum ",
                                                          o.checksum, ")"));
  };
  for (const PlateMetadata& plate : store.index.plates) {
    const Origin& got = shapes.at(plate.path);
    if (got.dim != want.dim || got.encoder != want.encoder ||
        got.checksum != want.checksum) {
      return absl::InvalidArgumentError(absl::StrCat(
          plate.path, ": vectors of ", describe(got), ", but ", first.path,
          " has ", describe(want), ": a store holds one encoder's vectors"));
    }
  }
  return store;
}

absl::Status WriteChannelEmbeddingPlate(const ChannelEmbeddingPlate& plate,
                                        const std::string& path) {
  const size_t expected = plate.images.size() *
                          static_cast<size_t>(plate.header.num_channels()) *
                          static_cast<size_t>(plate.dim);
  if (plate.dim <= 0 || plate.embeddings.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", plate.embeddings.size(), " values for ",
        plate.images.size(), " images x ", plate.header.num_channels(),
        " channels x ", plate.dim, " dimensions"));
  }
  return WriteHdf5File(path,
                       [&plate](hid_t file) { return WriteBody(file, plate); });
}

}  // namespace micon
