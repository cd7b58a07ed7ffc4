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
//   checkpoint it came from)
// Rows are the plate store's images in its order.
#ifndef MICON_DATA_CHANNEL_EMBEDDING_STORE_H_
#define MICON_DATA_CHANNEL_EMBEDDING_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "data/plate.h"

namespace micon {

struct ChannelEmbeddingPlate {
  PlateHeader header;               // source, batch, plate, channels
  std::vector<ImageRecord> images;  // N
  std::vector<float> embeddings;    // N * C * dim, row-major
  int64_t dim = 0;
  std::string encoder;
};

absl::Status WriteChannelEmbeddingPlate(const ChannelEmbeddingPlate& plate,
                                        const std::string& path);

}  // namespace micon

#endif  // MICON_DATA_CHANNEL_EMBEDDING_STORE_H_
