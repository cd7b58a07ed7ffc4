// channel_encoder.h: a plate store turned into a per-channel embedding store
// (data/channel_embedding_store.h): every image's stains, each through a
// trained model's per-channel trunk, one vector per stain.
//
//   MICON_RETURN_IF_ERROR(EncodeChannels(store, *model, comm, options));
//
// The vectors are the pooled trunk features of each stain (after the stain
// head, when the model has one), before concatenation and normalisation: the
// model's h of an image is normalise(concat over stains). Images get the
// evaluation view micon embed gives them (the run's pixel normalisation,
// centred square). Each rank writes the files of its own plates
// (data/plate_sharding.h); nothing is gathered.
#ifndef MICON_LAUNCH_PROFILES_CHANNEL_ENCODER_H_
#define MICON_LAUNCH_PROFILES_CHANNEL_ENCODER_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/micon_model.h"
#include "data/normalized_plate.h"
#include "data/plate_store.h"
#include "distributed/communicator.h"

namespace micon {

// [B, C, H, W] images -> [B, C, d]: each stain through the per-channel trunk.
// InvalidArgument for a model that has no per-channel image trunk.
absl::StatusOr<at::Tensor> StainEmbeddings(MiconModelImpl& model,
                                           const at::Tensor& images);

struct ChannelEncodeOptions {
  std::string output;  // folder; files go to <output>/plates/<plate>.h5
  std::string origin;  // the checkpoint, recorded as the encoder attribute
  c10::Device device{c10::kCPU};
  int64_t image_size = 0;  // centred square; 0 = the plate's smaller side
  int64_t images_per_call = 64;
  PixelNormalizationOptions normalization;
  std::function<void(const std::string&)> progress;
};

// Collective only in that every rank must call it (each writes its plates).
// Returns the number of images this rank encoded.
absl::StatusOr<int64_t> EncodeChannels(const PlateStore& store,
                                       MiconModelImpl& model, int rank,
                                       int world_size,
                                       const ChannelEncodeOptions& options);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_CHANNEL_ENCODER_H_
