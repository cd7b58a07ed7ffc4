#include "data/well_embedding_source.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "core/cross_channel_encoder.h"
#include "core/status_macros.h"
#include "data/channel_embedding_store.h"
#include "data/random_stream.h"

namespace micon {

absl::StatusOr<std::unique_ptr<WellEmbeddingSource>>
WellEmbeddingSource::Create(const std::vector<PlateMetadata>& plates,
                            const std::vector<size_t>& shard,
                            at::Tensor molecules, BatchSampler sampler,
                            const WellSourceOptions& options) {
  if (sampler.options().mode != SamplingMode::kClip) {
    return absl::InvalidArgumentError(
        "well batches are sampled as CLIP's: one image per compound");
  }
  if (options.fields_per_well < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("fields per well must be >= 0 (0 = all), got ",
                     options.fields_per_well));
  }
  std::unique_ptr<WellEmbeddingSource> source(
      new WellEmbeddingSource(std::move(sampler)));
  source->options_ = options;
  source->molecules_ = molecules;
  for (size_t index : shard) {
    if (index >= plates.size()) {
      return absl::InvalidArgumentError(absl::StrCat("plate index ", index,
                                                     " outside the store's ",
                                                     plates.size(), " plates"));
    }
    const PlateMetadata& meta = plates[index];
    const int64_t p = static_cast<int64_t>(index);
    const int64_t n = meta.num_images();
    MICON_ASSIGN_OR_RETURN(source->vectors_[p], ReadPlateVectors(meta));
    std::map<std::string, int64_t> well_ids;
    std::vector<int64_t>& well_of = source->well_index_[p];
    std::vector<std::vector<int64_t>>& wells = source->wells_[p];
    for (int64_t i = 0; i < n; ++i) {
      const auto [it, added] = well_ids.emplace(
          meta.images[i].well, static_cast<int64_t>(wells.size()));
      if (added) wells.emplace_back();
      wells[it->second].push_back(i);
      well_of.push_back(it->second);
    }
  }
  return source;
}

const std::vector<int64_t>& WellEmbeddingSource::WellOf(int64_t plate,
                                                        int64_t image) const {
  return wells_.at(plate).at(well_index_.at(plate).at(image));
}

absl::StatusOr<LoadedBatch> WellEmbeddingSource::Next() {
  const auto start = std::chrono::steady_clock::now();
  const SampledBatch sampled = sampler_.Next();
  const int64_t b = static_cast<int64_t>(sampled.images.size());
  std::vector<torch::Tensor> wells;
  for (int64_t i = 0; i < b; ++i) {
    const ImageRef& ref = sampled.images[i];
    std::vector<int64_t> fields = WellOf(ref.plate, ref.image);
    const int64_t k = options_.fields_per_well;
    if (k > 0 && static_cast<int64_t>(fields.size()) > k) {
      std::mt19937_64 rng =
          RandomStream(options_.seed, {static_cast<uint64_t>(sampled.step),
                                       static_cast<uint64_t>(i), /*role=*/4});
      std::shuffle(fields.begin(), fields.end(), rng);
      fields.resize(k);
      std::sort(fields.begin(), fields.end());
    }
    wells.push_back(vectors_.at(ref.plate).index_select(
        0, torch::tensor(fields, torch::kLong)));
  }
  LoadedBatch out;
  out.step = sampled.step;
  const at::Tensor& first = vectors_.begin()->second;
  StepBatch& batch = out.batch;
  PaddedWells padded = PadWells(wells, first.size(1), first.size(2));
  batch.samples = std::move(padded.fields);
  batch.present = std::move(padded.present);
  batch.compound = torch::tensor(sampled.compounds, torch::kLong);
  batch.molecule = molecules_.index_select(0, batch.compound);
  out.samples = out.images = b;  // a well is one input of the transformer
  out.wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return out;
}

}  // namespace micon
