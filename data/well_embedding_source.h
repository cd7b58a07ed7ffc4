// well_embedding_source.h: training batches of wells from a per-channel
// embedding store (the trainer's "embeddings" input, CellCLIP).
//
//   MICON_ASSIGN_OR_RETURN(auto source, WellEmbeddingSource::Create(
//       plates, shard, molecules, std::move(sampler), {.fields_per_well = 4}));
//   MICON_ASSIGN_OR_RETURN(LoadedBatch b, source->Next());
//   b.batch.samples;  // [B, K, C, D]: each sampled image's whole well
//   b.batch.present;  // [B, K]: which of the K slots hold a field
//
// The sampler (clip mode) draws treated images of compounds distinct across
// the global batch, by steps like every objective; each drawn image stands
// for its well: the well's fields on that plate, all of them, or
// fields_per_well drawn without replacement when the well has more (a
// different draw each step: the MIL counterpart of augmentation). Wells with
// fewer fields are padded with zeros and marked absent. A batch is a pure
// function of (seed, rank, step). The shard's vectors are read once, at
// Create; other ranks' plates are never opened.
#ifndef MICON_DATA_WELL_EMBEDDING_SOURCE_H_
#define MICON_DATA_WELL_EMBEDDING_SOURCE_H_

#include <map>
#include <memory>
#include <vector>

#include "data/batch_source.h"
#include "data/plate.h"

namespace micon {

struct WellSourceOptions {
  int64_t fields_per_well = 0;  // 0 = every field of the well
  uint64_t seed = 0;
};

class WellEmbeddingSource final : public BatchSource {
 public:
  // `plates`: the store's plate list (paths of embedding plates); `shard`:
  // this rank's indices into it; `molecules` [labels, F].
  static absl::StatusOr<std::unique_ptr<WellEmbeddingSource>> Create(
      const std::vector<PlateMetadata>& plates,
      const std::vector<size_t>& shard, at::Tensor molecules,
      BatchSampler sampler, const WellSourceOptions& options);

  absl::StatusOr<LoadedBatch> Next() override;
  SamplerState state() const override { return sampler_.state(); }

 private:
  explicit WellEmbeddingSource(BatchSampler sampler)
      : sampler_(std::move(sampler)) {}
  // The field indices (into the plate) of the well image `image` belongs to.
  const std::vector<int64_t>& WellOf(int64_t plate, int64_t image) const;

  BatchSampler sampler_;
  WellSourceOptions options_;
  at::Tensor molecules_;
  std::map<int64_t, at::Tensor> vectors_;  // plate -> [N, C, D]
  // plate -> image -> index into wells_[plate]
  std::map<int64_t, std::vector<int64_t>> well_index_;
  std::map<int64_t, std::vector<std::vector<int64_t>>> wells_;
};

}  // namespace micon

#endif  // MICON_DATA_WELL_EMBEDDING_SOURCE_H_
