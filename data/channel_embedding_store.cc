#include "data/channel_embedding_store.h"

#include <hdf5.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"

namespace micon {
namespace {

absl::Status WriteBody(hid_t file, const ChannelEmbeddingPlate& plate) {
  const hsize_t n = plate.images.size();
  const hsize_t c = static_cast<hsize_t>(plate.header.num_channels());
  MICON_RETURN_IF_ERROR(WriteNumericDataset(
      file, "embeddings", H5T_NATIVE_FLOAT,
      {n, c, static_cast<hsize_t>(plate.dim)}, plate.embeddings.data()));
  std::vector<std::string> wells, compounds;
  std::vector<int32_t> sites;
  std::vector<uint8_t> controls;
  for (const ImageRecord& image : plate.images) {
    wells.push_back(image.well);
    compounds.push_back(image.compound);
    sites.push_back(image.site);
    controls.push_back(image.control ? 1 : 0);
  }
  MICON_RETURN_IF_ERROR(WriteStringDataset(file, "well", wells));
  MICON_RETURN_IF_ERROR(WriteStringDataset(file, "compound", compounds));
  MICON_RETURN_IF_ERROR(
      WriteNumericDataset(file, "site", H5T_NATIVE_INT32, {n}, sites.data()));
  MICON_RETURN_IF_ERROR(WriteNumericDataset(file, "control", H5T_NATIVE_UINT8,
                                            {n}, controls.data()));
  MICON_RETURN_IF_ERROR(
      WriteStringAttribute(file, "source", plate.header.source));
  MICON_RETURN_IF_ERROR(
      WriteStringAttribute(file, "batch", plate.header.batch));
  MICON_RETURN_IF_ERROR(
      WriteStringAttribute(file, "plate", plate.header.plate));
  MICON_RETURN_IF_ERROR(
      WriteStringArrayAttribute(file, "channels", plate.header.channels));
  return WriteStringAttribute(file, "encoder", plate.encoder);
}

}  // namespace

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
