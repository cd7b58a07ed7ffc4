#include "data/batch_loader.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/raw_views.h"
#include "core/status_macros.h"
#include "data/batch_collate.h"
#include "data/random_stream.h"

namespace micon {

absl::StatusOr<std::unique_ptr<BatchLoader>> BatchLoader::Create(
    const PlateStore& store, const std::vector<size_t>& shard,
    at::Tensor molecules, BatchSampler sampler, const LoaderOptions& options) {
  if (options.workers < 1 || options.prefetch < 1) {
    return absl::InvalidArgumentError(
        "loader needs at least one worker and a prefetch of 1");
  }
  if (options.open_plates < 1) {
    return absl::InvalidArgumentError("loader needs at least 1 open plate");
  }
  if (options.min_crop_area <= 0 || options.min_crop_area > 1) {
    return absl::InvalidArgumentError("min_crop_area must be in (0, 1]");
  }
  if (sampler.options().mode != SamplingMode::kSimclr && !molecules.defined()) {
    return absl::InvalidArgumentError(
        "micon and clip batches need molecule features");
  }
  std::unique_ptr<BatchLoader> loader(new BatchLoader());
  loader->options_ = options;
  loader->sampler_ = std::move(sampler);
  loader->molecules_ = molecules;
  PixelNormalizationOptions normalization = options.normalization;
  MICON_RETURN_IF_ERROR(PreparePixelNormalization(store, &normalization));
  auto files = std::make_shared<PlateFilePool>(options.open_plates);
  int64_t smallest = 0;
  for (size_t p : shard) {
    MICON_ASSIGN_OR_RETURN(
        std::unique_ptr<NormalizedPlate> source,
        NormalizedPlate::Open(store.plates.at(p).path, normalization, files));
    const PlateHeader& h = source->metadata().header;
    const int64_t side = std::min(h.height, h.width);
    smallest = smallest == 0 ? side : std::min(smallest, side);
    loader->window_ = std::max(loader->window_, side);
    loader->plates_[static_cast<int64_t>(p)] = std::move(source);
  }
  loader->output_size_ =
      options.output_size > 0 ? options.output_size : smallest;
  loader->next_to_build_ = loader->next_to_return_ =
      loader->sampler_.state().step;
  for (int w = 0; w < options.workers; ++w) {
    loader->workers_.emplace_back([l = loader.get()] { l->Work(); });
  }
  return loader;
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

SamplerState BatchLoader::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {sampler_.options().seed, next_to_return_};
}

void BatchLoader::Work() {
  torch::NoGradGuard no_grad;
  while (true) {
    int64_t step;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] {
        return stopping_ ||
               next_to_build_ < next_to_return_ + options_.prefetch;
      });
      if (stopping_) return;
      step = next_to_build_++;
    }
    absl::StatusOr<LoadedBatch> batch = Build(step);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(step, std::move(batch));
    }
    cv_.notify_all();
  }
}

absl::StatusOr<LoadedBatch> BatchLoader::Next() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return ready_.count(next_to_return_) > 0; });
  absl::StatusOr<LoadedBatch> batch = std::move(ready_.at(next_to_return_));
  ready_.erase(next_to_return_);
  ++next_to_return_;
  lock.unlock();
  cv_.notify_all();
  if (batch.ok()) {
    batch->wait_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  }
  return batch;
}

absl::StatusOr<at::Tensor> BatchLoader::LoadPlain(const ImageRef& ref) const {
  auto it = plates_.find(ref.plate);
  if (it == plates_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("plate ", ref.plate, " is not in this shard"));
  }
  return it->second->Read(ref.image);
}

BatchLoader::ViewDraw BatchLoader::Draw(const SampleKey& key, int64_t h,
                                        int64_t w, int64_t channels) const {
  ViewDraw d;
  if (!options_.augment) {  // the evaluation view: the centred square
    d.side = std::min(h, w);
    d.y = (h - d.side) / 2;
    d.x = (w - d.side) / 2;
    d.gain.assign(channels, 1.0f);
    d.shift.assign(channels, 0.0f);
    return d;
  }
  std::mt19937_64 rng =
      RandomStream(options_.seed, {key.step, key.index, key.view, key.role});
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double area =
      options_.min_crop_area + (1 - options_.min_crop_area) * unit(rng);
  d.side = std::max<int64_t>(
      1, std::lround(std::sqrt(area) * static_cast<double>(std::min(h, w))));
  d.y = std::uniform_int_distribution<int64_t>(0, h - d.side)(rng);
  d.x = std::uniform_int_distribution<int64_t>(0, w - d.side)(rng);
  d.flip_w = unit(rng) < 0.5;
  d.flip_h = unit(rng) < 0.5;
  d.turns = std::uniform_int_distribution<int64_t>(0, 3)(rng);
  for (int64_t k = 0; k < channels; ++k) {
    d.gain.push_back(static_cast<float>(1 + options_.intensity_jitter *
                                                (2 * unit(rng) - 1)));
    d.shift.push_back(
        static_cast<float>(options_.intensity_jitter * (2 * unit(rng) - 1)));
  }
  return d;
}

absl::StatusOr<LoadedSample> BatchLoader::Load(const ImageRef& ref,
                                               const SampleKey& key) const {
  auto it = plates_.find(ref.plate);
  if (it == plates_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("plate ", ref.plate, " is not in this shard"));
  }
  if (options_.raw_views) return LoadRaw(*it->second, ref, key);
  MICON_ASSIGN_OR_RETURN(torch::Tensor image, it->second->Read(ref.image));
  if (!options_.augment) {
    return LoadedSample{CentreSquare(image, output_size_), at::Tensor()};
  }
  const int64_t channels = image.size(0);
  const ViewDraw d = Draw(key, image.size(1), image.size(2), channels);
  torch::Tensor crop = ResizeSquare(
      image.slice(1, d.y, d.y + d.side).slice(2, d.x, d.x + d.side),
      output_size_);
  if (d.flip_w) crop = crop.flip({2});
  if (d.flip_h) crop = crop.flip({1});
  if (d.turns > 0) crop = torch::rot90(crop, d.turns, {1, 2});
  return LoadedSample{crop * torch::tensor(d.gain).view({channels, 1, 1}) +
                          torch::tensor(d.shift).view({channels, 1, 1}),
                      at::Tensor()};
}

absl::StatusOr<LoadedSample> BatchLoader::LoadRaw(const NormalizedPlate& plate,
                                                  const ImageRef& ref,
                                                  const SampleKey& key) const {
  const PlateHeader& h = plate.metadata().header;
  const int64_t c = h.num_channels();
  std::vector<uint16_t> pixels;
  MICON_RETURN_IF_ERROR(plate.ReadPixels(ref.image, &pixels));
  const ViewDraw d = Draw(key, h.height, h.width, c);
  std::vector<uint16_t> crop(static_cast<size_t>(c * d.side * d.side));
  for (int64_t k = 0; k < c; ++k) {
    for (int64_t y = 0; y < d.side; ++y) {
      const uint16_t* row =
          pixels.data() + (k * h.height + d.y + y) * h.width + d.x;
      std::copy(row, row + d.side, crop.begin() + (k * d.side + y) * d.side);
    }
  }
  RawView view;
  view.side = d.side;
  view.flip_w = d.flip_w;
  view.flip_h = d.flip_h;
  view.turns = d.turns;
  const float* mean = plate.mean().data_ptr<float>();
  const float* stddev = plate.stddev().data_ptr<float>();
  view.mean.assign(mean, mean + c);
  view.stddev.assign(stddev, stddev + c);
  view.gain = d.gain;
  view.shift = d.shift;
  return LoadedSample{PackRawPixels(crop, c, d.side, window_),
                      PackRawViewParams(view)};
}

absl::StatusOr<LoadedBatch> BatchLoader::Build(int64_t step) const {
  LoadedBatch out;
  out.step = step;
  MICON_ASSIGN_OR_RETURN(
      out.batch,
      CollateBatch(sampler_.Batch(step), sampler_.options().mode, molecules_,
                   [this](const ImageRef& ref, const SampleKey& key) {
                     return Load(ref, key);
                   }));
  out.samples = SamplesInBatch(out.batch);
  out.images = EncoderImagesInBatch(out.batch);
  if (options_.raw_views) out.batch.view_size = output_size_;
  if (options_.pin_memory) {
    for (at::Tensor* t :
         {&out.batch.samples, &out.batch.controls,
          &out.batch.sample_view_params, &out.batch.control_view_params}) {
      if (t->defined()) *t = t->pin_memory();
    }
  }
  return out;
}

}  // namespace micon
