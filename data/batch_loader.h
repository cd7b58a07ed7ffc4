// batch_loader.h: sampled batches -> training tensors, on worker threads, ahead
// of time.
//
//   MICON_ASSIGN_OR_RETURN(auto loader,
//       BatchLoader::Create(store, shard, molecules, std::move(sampler), {}));
//   MICON_ASSIGN_OR_RETURN(LoadedBatch b, loader->Next());  // b.batch: a
//                                                            // core StepBatch
//
// Each worker builds whole batches: it reads the images (HDF5 serialises reads
// behind its global lock, and a read is a short memcpy-sized step), normalises
// every channel by its plate's DMSO controls (mean and standard deviation of a
// sample of control images), augments (random resized crop, flips, 90-degree
// rotations, per-channel intensity jitter) and collates. With raw_views it
// only draws the augmentation and cuts the crop; the trainer's device does
// the rest (core/raw_views.h), which frees the loader's cores. Several batches are
// built in parallel, so the expensive part (augmentation) scales with workers
// while reads stay short; up to `prefetch` batches wait ready. A batch is a
// pure function of (seed, step), whatever the number of workers. Only the
// shard's plates are opened. A read error (a plate damaged mid-run) is returned
// by Next() for that step with the file's name. At most `open_plates` files
// stay open, however many plates the shard holds. Thread-safe for one
// consumer.
#ifndef MICON_DATA_BATCH_LOADER_H_
#define MICON_DATA_BATCH_LOADER_H_

#include <ATen/core/Tensor.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "core/step_batch.h"
#include "data/batch_collate.h"
#include "data/batch_sampler.h"
#include "data/batch_source.h"
#include "data/normalized_plate.h"
#include "data/plate_reader.h"
#include "data/plate_store.h"

namespace micon {

struct LoaderOptions {
  int workers = 2;
  int prefetch = 4;  // batches built ahead of the consumer
  // Square side of the output images; 0 = the plates' smaller side.
  int64_t output_size = 0;
  bool augment = true;         // false: centre crop only (evaluation)
  double min_crop_area = 0.5;  // random resized crop keeps 50-100% of the field
  double intensity_jitter = 0.1;
  uint64_t seed = 0;
  // The pixel statistics. Dataset statistics not filled in by the caller
  // (from the whole screen) are computed from the loader's store.
  PixelNormalizationOptions normalization;
  // Ship raw views (core/raw_views.h): each view's crop as int16 pixels with
  // the parameters drawn for it, expanded where the model runs. The same
  // draws as float views, so the same batches to float rounding.
  bool raw_views = false;
  // Plate files held open at once (data.open_plates): a shard's plates
  // share this many, reopened when read after being closed for space
  // (plate_file_pool.h).
  int open_plates = 128;
  // Put batches in page-locked memory, for asynchronous copies to a GPU
  // (needs a CUDA LibTorch).
  bool pin_memory = false;
};

class BatchLoader final : public BatchSource {
 public:
  // `molecules`: [compound labels, F] features indexed by label (undefined for
  // simclr).
  static absl::StatusOr<std::unique_ptr<BatchLoader>> Create(
      const PlateStore& store, const std::vector<size_t>& shard,
      at::Tensor molecules, BatchSampler sampler, const LoaderOptions& options);
  ~BatchLoader() override;
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  absl::StatusOr<LoadedBatch> Next() override;
  // The sampler state of the next batch Next() will return (what a checkpoint
  // stores).
  SamplerState state() const override;
  // Reads and normalises one image without augmentation ([C, S, S], float).
  absl::StatusOr<at::Tensor> LoadPlain(const ImageRef& ref) const;

 private:
  BatchLoader() = default;
  void Work();
  // The random choices of one view, drawn from (seed, step, entry, view,
  // role) in a fixed order, whichever way the view ships.
  struct ViewDraw {
    int64_t y = 0, x = 0, side = 0;
    bool flip_w = false, flip_h = false;
    int64_t turns = 0;
    std::vector<float> gain, shift;
  };
  ViewDraw Draw(const SampleKey& key, int64_t height, int64_t width,
                int64_t channels) const;
  absl::StatusOr<LoadedBatch> Build(int64_t step) const;
  absl::StatusOr<LoadedSample> Load(const ImageRef& ref,
                                    const SampleKey& key) const;
  absl::StatusOr<LoadedSample> LoadRaw(const NormalizedPlate& plate,
                                       const ImageRef& ref,
                                       const SampleKey& key) const;

  LoaderOptions options_;
  BatchSampler sampler_;
  at::Tensor molecules_;
  std::map<int64_t, std::unique_ptr<NormalizedPlate>> plates_;
  int64_t output_size_ = 0;
  int64_t window_ = 0;  // raw views: the side of every crop's window

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int64_t next_to_build_ = 0;
  int64_t next_to_return_ = 0;
  std::map<int64_t, absl::StatusOr<LoadedBatch>> ready_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace micon

#endif  // MICON_DATA_BATCH_LOADER_H_
