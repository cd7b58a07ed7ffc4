#include "launch/profiles/per_channel_store_writer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "data/channel_embedding_store.h"
#include "data/plate_sharding.h"
#include "launch/profiles/output_folder.h"

namespace micon {

absl::StatusOr<at::Tensor> StainEmbeddings(MiconModelImpl& model,
                                           const at::Tensor& images) {
  const MiconModelOptions& o = model.options();
  auto* encoder = dynamic_cast<ImageEncoderImpl*>(&model.encoder());
  if (o.input != InputKind::kImages || encoder == nullptr) {
    return absl::InvalidArgumentError(
        "a model of data.input profiles has no image trunk to encode stains "
        "with");
  }
  if (o.image.mode != ChannelMode::kPerChannel) {
    return absl::InvalidArgumentError(
        "the model's model.channel_mode is multi_channel: its trunk sees all "
        "stains at once and gives no vector per stain (train with "
        "per_channel)");
  }
  return encoder->EncodeStains(images);
}

namespace {

absl::StatusOr<int64_t> EncodePlate(const PlateMetadata& plate,
                                    MiconModelImpl& model,
                                    const PerChannelStoreOptions& options) {
  MICON_ASSIGN_OR_RETURN(
      std::unique_ptr<NormalizedPlate> pixels,
      NormalizedPlate::Open(plate.path, options.normalization));
  const PlateHeader& h = plate.header;
  const int64_t size =
      options.image_size > 0 ? options.image_size : std::min(h.height, h.width);
  ChannelEmbeddingPlate out{h, plate.images,   {},
                            0, options.origin, options.origin_checksum};
  torch::NoGradGuard no_grad;
  for (int64_t first = 0; first < plate.num_images();
       first += options.images_per_call) {
    const int64_t last =
        std::min(plate.num_images(), first + options.images_per_call);
    std::vector<torch::Tensor> inputs;
    for (int64_t i = first; i < last; ++i) {
      MICON_ASSIGN_OR_RETURN(torch::Tensor image, pixels->Read(i));
      inputs.push_back(CentreSquare(image, size));
    }
    MICON_ASSIGN_OR_RETURN(
        const at::Tensor vectors,
        StainEmbeddings(model, torch::stack(inputs).to(options.device)));
    const torch::Tensor cpu =
        vectors.to(torch::kCPU, torch::kFloat).contiguous();
    out.dim = cpu.size(2);
    out.embeddings.insert(out.embeddings.end(), cpu.data_ptr<float>(),
                          cpu.data_ptr<float>() + cpu.numel());
  }
  const std::string path =
      (std::filesystem::path(options.output) / "plates" / (h.plate + ".h5"))
          .string();
  MICON_RETURN_IF_ERROR(WriteChannelEmbeddingPlate(out, path));
  return plate.num_images();
}

// This rank's plates; returns how many images it encoded.
absl::StatusOr<int64_t> EncodeChannels(const PlateStore& store,
                                       MiconModelImpl& model, int rank,
                                       int world_size,
                                       const PerChannelStoreOptions& options) {
  MICON_RETURN_IF_ERROR(CreateOutputFolder(
      (std::filesystem::path(options.output) / "plates").string()));
  MICON_ASSIGN_OR_RETURN(auto shards, ShardPlates(store.plates, world_size));
  const std::vector<size_t>& mine = shards[static_cast<size_t>(rank)];
  int64_t images = 0;
  for (size_t k = 0; k < mine.size(); ++k) {
    const PlateMetadata& plate = store.plates[mine[k]];
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<int64_t> n = EncodePlate(plate, model, options);
    if (!n.ok()) {
      return Annotate(n.status(), absl::StrCat("rank ", rank, "/", world_size,
                                               ", plate ", plate.header.plate));
    }
    images += *n;
    if (options.progress) {
      options.progress(absl::StrFormat(
          "encoded plate %s (%d/%d of this rank's plates, %d fields, %.1f s)",
          plate.header.plate, k + 1, mine.size(), *n,
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
              .count()));
    }
  }
  return images;
}

}  // namespace

absl::StatusOr<int64_t> WritePerChannelStore(
    const Dataset& dataset, MiconModelImpl& model, Communicator& comm,
    const PerChannelStoreOptions& options) {
  PerChannelStoreOptions prepared = options;
  MICON_RETURN_IF_ERROR(
      PreparePixelNormalization(dataset.store, &prepared.normalization));
  MICON_ASSIGN_OR_RETURN(const int64_t images,
                         EncodeChannels(dataset.store, model, comm.rank(),
                                        comm.world_size(), prepared));
  if (comm.rank() == 0) {
    MICON_RETURN_IF_ERROR(CopyDatasetCompanions(dataset.paths, options.output));
  }
  // Every rank's plates are written before the count comes back.
  torch::Tensor total =
      torch::tensor({static_cast<double>(images)}, torch::kFloat64);
  MICON_RETURN_IF_ERROR(comm.AllReduce(total, {})->Wait());
  return static_cast<int64_t>(total.item<double>());
}

}  // namespace micon
