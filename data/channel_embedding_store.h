// channel_embedding_store.h: one vector per image and stain from a frozen
// encoder, beside the plate store's metadata: the input CellCLIP-style
// cross-channel models train on instead of pixels (docs/PLATE_STORE.md).
//
//   ChannelEmbeddingPlate p{plate.header, plate.images, vectors, dim, ckpt};
//   MICON_RETURN_IF_ERROR(
//       WriteChannelEmbeddingPlate(p, "store/plates/P1.h5"));
//
// One HDF5 file per plate (written atomically, h5py reads it):
//   /embeddings  float32 [N, C, D]
//   /well, /compound  strings [N];  /site int32 [N];  /control uint8 [N]
//   attributes: source, batch, plate, channels (C strings), encoder (the
//   checkpoint it came from), encoder_checksum (that checkpoint's model
//   checksum, 16 hex digits; absent in stores written before it existed)
// Rows are the plate store's images in its order. A store is a folder like a
// plate store: compounds.csv (and screen.json when the source store has one)
// beside plates/<plate>.h5.
//
//   MICON_ASSIGN_OR_RETURN(ChannelEmbeddingStore s,
//                          OpenChannelEmbeddingStore("store"));  // metadata
//   MICON_ASSIGN_OR_RETURN(ChannelEmbeddingPlate p,
//                          ReadChannelEmbeddingPlate(s.index.plates[0].path));
//
// Readers accept float32 or float16 /embeddings (DESIGN.md §8) and check
// every field as the plate reader does; errors name the file and the field.
#ifndef MICON_DATA_CHANNEL_EMBEDDING_STORE_H_
#define MICON_DATA_CHANNEL_EMBEDDING_STORE_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/plate.h"
#include "data/plate_store.h"

namespace micon {

struct ChannelEmbeddingPlate {
  PlateHeader header;               // source, batch, plate, channels
  std::vector<ImageRecord> images;  // N
  std::vector<float> embeddings;    // N * C * dim, row-major
  int64_t dim = 0;
  std::string encoder;
  std::string encoder_checksum;  // "" when none was recorded
};

absl::Status WriteChannelEmbeddingPlate(const ChannelEmbeddingPlate& plate,
                                        const std::string& path);

inline constexpr char kEmbeddingsField[] = "embeddings";

// Whether the plate file at `path` holds /embeddings (rather than /images).
bool HasChannelEmbeddings(const std::string& path);

// One plate: metadata, vectors, width and encoder.
absl::StatusOr<ChannelEmbeddingPlate> ReadChannelEmbeddingPlate(
    const std::string& path);

// The vectors of a plate opened earlier (its metadata from
// OpenChannelEmbeddingStore) as float [N, C, D]; DataLoss when the file no
// longer holds that plate's N images.
absl::StatusOr<at::Tensor> ReadPlateVectors(const PlateMetadata& plate);

struct ChannelEmbeddingStore {
  // Root, compounds and every plate's metadata (header height and width 0);
  // the store-level checks of plate_store.h hold.
  PlateStore index;
  int64_t dim = 0;      // D, the same in every plate
  std::string encoder;  // the same in every plate, as is its checksum
  std::string encoder_checksum;
};

// Reads every plate's metadata and shape, not its vectors; every plate must
// agree on channels, D, encoder and encoder checksum (a store holds one
// model's vectors: the same checkpoint path rewritten by a longer run is
// another model).
absl::StatusOr<ChannelEmbeddingStore> OpenChannelEmbeddingStore(
    const std::string& root);

}  // namespace micon

#endif  // MICON_DATA_CHANNEL_EMBEDDING_STORE_H_
