#include "data/profile_batch_source.h"

#include <torch/torch.h>

#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/random_stream.h"

namespace micon {

absl::StatusOr<std::unique_ptr<ProfileBatchSource>> ProfileBatchSource::Create(
    const ProfileTable& table, const std::vector<size_t>& shard,
    at::Tensor molecules, BatchSampler sampler,
    const ProfileSourceOptions& options) {
  if (options.noise < 0 || options.feature_dropout < 0 ||
      options.feature_dropout >= 1) {
    return absl::InvalidArgumentError(
        "profile noise must be >= 0 and feature dropout in [0, 1)");
  }
  if (sampler.options().mode != SamplingMode::kSimclr && !molecules.defined()) {
    return absl::InvalidArgumentError(
        "micon and clip batches need molecule features");
  }
  std::unique_ptr<ProfileBatchSource> source(
      new ProfileBatchSource(std::move(sampler)));
  source->options_ = options;
  source->molecules_ = molecules;
  for (size_t p : shard) {
    if (p >= table.plates.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("plate index ", p, " outside ", table.path));
    }
    if (!table.features[p].defined()) {
      return absl::FailedPreconditionError(
          absl::StrCat(table.path, ": plate ", table.plates[p].header.plate,
                       "'s features were not read (ReadPlateFeatures)"));
    }
    torch::Tensor x = table.features[p];
    if (options.normalize_by_controls) {
      x = StandardizeOnControls(x, table.plates[p]);
    }
    source->plates_[static_cast<int64_t>(p)] = x.contiguous();
  }
  return source;
}

at::Tensor ProfileBatchSource::Load(const ImageRef& ref,
                                    const SampleKey& key) const {
  torch::Tensor row = plates_.at(ref.plate)[ref.image];
  if (!options_.augment) return row.clone();
  std::mt19937_64 rng =
      RandomStream(options_.seed, {key.step, key.index, key.view, key.role});
  const int64_t f = row.size(0);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<float> noise(f), keep(f);
  for (int64_t k = 0; k < f; ++k) {
    noise[k] = static_cast<float>(options_.noise) * normal(rng);
    keep[k] = unit(rng) < options_.feature_dropout ? 0.0f : 1.0f;
  }
  return (row + torch::tensor(noise)) * torch::tensor(keep);
}

absl::StatusOr<LoadedBatch> ProfileBatchSource::Next() {
  const auto start = std::chrono::steady_clock::now();
  LoadedBatch out;
  const SampledBatch sampled = sampler_.Next();
  out.step = sampled.step;
  MICON_ASSIGN_OR_RETURN(
      out.batch,
      CollateBatch(sampled, sampler_.options().mode, molecules_,
                   [this](const ImageRef& ref, const SampleKey& key)
                       -> absl::StatusOr<LoadedSample> {
                     return LoadedSample{Load(ref, key), at::Tensor()};
                   }));
  out.samples = SamplesInBatch(out.batch);
  out.images = EncoderImagesInBatch(out.batch);
  out.wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return out;
}

at::Tensor StandardizeOnControls(const at::Tensor& rows,
                                 const PlateMetadata& plate) {
  std::vector<int64_t> controls;
  for (int64_t i = 0; i < plate.num_images(); ++i) {
    if (plate.images[i].control) controls.push_back(i);
  }
  TORCH_CHECK(!controls.empty(), plate.path, ": plate ", plate.header.plate,
              " has no control rows to standardise on");
  const torch::Tensor c =
      rows.index_select(0, torch::tensor(controls, torch::kLong));
  torch::Tensor mean = c.mean(0, true);
  // One control row has no spread: centre only. Constant features keep
  // unit scale rather than exploding.
  torch::Tensor stddev = c.size(0) > 1 ? c.std(0, true, true).clamp_min(1e-3)
                                       : torch::ones_like(mean);
  return (rows - mean) / stddev;
}

}  // namespace micon
