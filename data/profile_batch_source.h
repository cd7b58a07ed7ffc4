// profile_batch_source.h: training batches of profile vectors (the trainer's
// "profiles" input), with the same sampling as images.
//
//   MICON_ASSIGN_OR_RETURN(auto source, ProfileBatchSource::Create(
//       table, shard, molecules, std::move(sampler), {}));
//   MICON_ASSIGN_OR_RETURN(LoadedBatch b, source->Next());  // [B, V, F]
//
// Each feature is standardised per plate on the plate's control rows (the
// profile counterpart of the image loader's per-plate DMSO normalisation), so
// plate offsets do not leak into the comparison of treated and control
// samples. Augmentation adds Gaussian noise and drops features at random, with
// per-sample randomness derived from (seed, step, position): a batch is a
// pure function of (seed, rank, step). Batches are built on the caller's
// thread; a profile batch costs microseconds.
#ifndef MICON_DATA_PROFILE_BATCH_SOURCE_H_
#define MICON_DATA_PROFILE_BATCH_SOURCE_H_

#include <map>
#include <memory>

#include "data/batch_collate.h"
#include "data/batch_source.h"
#include "data/profile_table.h"

namespace micon {

struct ProfileSourceOptions {
  bool normalize_by_controls = true;
  bool augment = true;
  double noise = 0.1;            // std of the added noise (standardised units)
  double feature_dropout = 0.1;  // share of features zeroed per sample
  uint64_t seed = 0;
};

class ProfileBatchSource final : public BatchSource {
 public:
  static absl::StatusOr<std::unique_ptr<ProfileBatchSource>> Create(
      const ProfileTable& table, const std::vector<size_t>& shard,
      at::Tensor molecules, BatchSampler sampler,
      const ProfileSourceOptions& options);

  absl::StatusOr<LoadedBatch> Next() override;
  SamplerState state() const override { return sampler_.state(); }

 private:
  ProfileBatchSource(BatchSampler sampler) : sampler_(std::move(sampler)) {}
  at::Tensor Load(const ImageRef& ref, const SampleKey& key) const;

  BatchSampler sampler_;
  ProfileSourceOptions options_;
  at::Tensor molecules_;
  // Normalised [rows, F] per shard plate.
  std::map<int64_t, at::Tensor> plates_;
};

// A plate's profile rows [rows, F] standardised per feature on its control
// rows (mean 0, std 1 over the controls); what training and `micon embed`
// feed a profile model.
at::Tensor StandardizeOnControls(const at::Tensor& rows,
                                 const PlateMetadata& plate);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_BATCH_SOURCE_H_
