// normalized_plate.h: one plate's images as the models see them: float
// pixels shifted and scaled per channel.
//
//   MICON_ASSIGN_OR_RETURN(auto plate,
//                          NormalizedPlate::Open("ds/plates/P1.h5", 16));
//   MICON_ASSIGN_OR_RETURN(at::Tensor x, plate->Read(0));   // [C, H, W]
//   at::Tensor input = CentreSquare(x, 224);                 // [C, 224, 224]
//
// The statistics are a choice (`data.pixel_normalization`):
//   plate_controls  mean and standard deviation of a sample of the plate's own
//                   control images (all images if it has none), so a plate's
//                   technical gain and offset are taken out (the default);
//   dataset         one mean and standard deviation for the whole screen
//                   (every plate, held-out ones included: unlabelled pixels),
//                   from a sample of each (DatasetPixelStatistics), as the
//                   MICON reference does;
//   none            raw camera counts.
// Training (batch_loader.h), embedding (`micon embed`) and the hand-crafted
// features share this, so every method can be given the same inputs and a
// model is evaluated on exactly the inputs it was trained on. Reads are
// thread-safe (plate_reader.h).
#ifndef MICON_DATA_NORMALIZED_PLATE_H_
#define MICON_DATA_NORMALIZED_PLATE_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/pixel_normalization.h"
#include "data/plate_reader.h"
#include "data/plate_store.h"

namespace micon {

// Per-channel shift and scale: float [C, 1, 1] each.
struct ChannelStatistics {
  at::Tensor mean, stddev;
};

struct PixelNormalizationOptions {
  PixelNormalization kind = PixelNormalization::kPlateControls;
  int control_images_for_stats = 16;  // kPlateControls: per plate
  ChannelStatistics dataset;          // kDataset: DatasetPixelStatistics
};

// The whole store's per-channel mean and standard deviation, from up to
// `images_per_plate` evenly spaced images of every plate (the same on every
// rank and in every command that opens the same store).
absl::StatusOr<ChannelStatistics> DatasetPixelStatistics(
    const PlateStore& store, int images_per_plate);

// What `options` needs before plates can be opened: the dataset statistics
// when the kind is kDataset and they are not there yet (read from `store`:
// give it the whole screen, not a training split, so training and `micon
// embed` normalise alike), nothing otherwise.
absl::Status PreparePixelNormalization(const PlateStore& store,
                                       PixelNormalizationOptions* options);

class NormalizedPlate {
 public:
  // Opens `path` and normalises by the statistics `options` choose. `pool`:
  // where the open file is kept, shared with other plates' readers (null: its
  // own; plate_file_pool.h).
  static absl::StatusOr<std::unique_ptr<NormalizedPlate>> Open(
      const std::string& path, const PixelNormalizationOptions& options,
      std::shared_ptr<PlateFilePool> pool = nullptr);
  // Per-plate control statistics from up to `control_images_for_stats`
  // control images.
  static absl::StatusOr<std::unique_ptr<NormalizedPlate>> Open(
      const std::string& path, int control_images_for_stats);

  const PlateMetadata& metadata() const { return reader_.metadata(); }
  // Image `index`, normalised: float [C, H, W].
  absl::StatusOr<at::Tensor> Read(int64_t index) const;
  // Image `index` as stored, widened to float [C, H, W].
  absl::StatusOr<at::Tensor> ReadRaw(int64_t index) const;
  // Image `index` as stored: C x H x W pixels, row-major.
  absl::Status ReadPixels(int64_t index, std::vector<uint16_t>* out) const;
  // The per-channel statistics Read() normalises by ([C, 1, 1] float).
  const at::Tensor& mean() const { return mean_; }
  const at::Tensor& stddev() const { return stddev_; }

 private:
  explicit NormalizedPlate(PlateReader reader) : reader_(std::move(reader)) {}

  PlateReader reader_;
  at::Tensor mean_, stddev_;  // [C, 1, 1]
};

// `image` [C, H, W] bilinearly resized to [C, size, size] (unchanged when it
// already has that shape).
at::Tensor ResizeSquare(const at::Tensor& image, int64_t size);

// The centred largest square of `image` [C, H, W], resized to `size`: the
// evaluation view of a field.
at::Tensor CentreSquare(const at::Tensor& image, int64_t size);

}  // namespace micon

#endif  // MICON_DATA_NORMALIZED_PLATE_H_
