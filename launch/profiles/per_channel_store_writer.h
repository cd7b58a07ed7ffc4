// per_channel_store_writer.h: a plate store turned into a per-channel
// embedding store (data/channel_embedding_store.h): every image's stains, each
// through a trained model's per-channel trunk, one vector per stain.
//
//   PerChannelStoreOptions options;
//   options.output = "store-224";
//   options.origin = "runs/a/checkpoints/step-00000150.ckpt";
//   MICON_ASSIGN_OR_RETURN(int64_t images,
//       WritePerChannelStore(dataset, *model, *dist.comm, options));
//
// The vectors are the pooled trunk features of each stain (after the stain
// head, when the model has one), before concatenation and normalisation: the
// model's h of an image is normalise(concat over stains). Images get the
// evaluation view micon embed gives them (the run's pixel normalisation,
// centred square). Each rank writes the files of its own plates
// (data/plate_sharding.h); nothing but the image count is gathered. The store
// is a dataset of its own: it gets the source's compounds and split.
#ifndef MICON_LAUNCH_PROFILES_PER_CHANNEL_STORE_WRITER_H_
#define MICON_LAUNCH_PROFILES_PER_CHANNEL_STORE_WRITER_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/micon_model.h"
#include "data/dataset.h"
#include "data/normalized_plate.h"
#include "distributed/communicator.h"

namespace micon {

// [B, C, H, W] images -> [B, C, d]: each stain through the per-channel trunk.
// InvalidArgument for a model that has no per-channel image trunk.
absl::StatusOr<at::Tensor> StainEmbeddings(MiconModelImpl& model,
                                           const at::Tensor& images);

struct PerChannelStoreOptions {
  std::string output;  // folder; files go to <output>/plates/<plate>.h5
  std::string origin;  // the checkpoint, recorded as the encoder attribute
  std::string origin_checksum;  // its model checksum (16 hex digits)
  c10::Device device{c10::kCPU};
  int64_t image_size = 0;  // centred square; 0 = the plate's smaller side
  int64_t images_per_call = 64;
  PixelNormalizationOptions normalization;  // prepared here for the store
  std::function<void(const std::string&)> progress;
};

// Collective: every rank calls it and writes its own plates' files; rank 0
// also copies the dataset's compound table and split. Returns the number of
// images written by all ranks, once all have written theirs.
absl::StatusOr<int64_t> WritePerChannelStore(
    const Dataset& dataset, MiconModelImpl& model, Communicator& comm,
    const PerChannelStoreOptions& options);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_PER_CHANNEL_STORE_WRITER_H_
