// normalized_plate.h: one plate's images as the models see them: float
// pixels expressed relative to the plate's own DMSO control wells.
//
//   MICON_ASSIGN_OR_RETURN(auto plate,
//                          NormalizedPlate::Open("ds/plates/P1.h5", 16));
//   MICON_ASSIGN_OR_RETURN(at::Tensor x, plate->Read(0));   // [C, H, W]
//   at::Tensor input = CentreSquare(x, 224);                 // [C, 224, 224]
//
// Every channel is shifted and scaled by the mean and standard deviation of
// a sample of the plate's control images (all images if it has none), so a
// plate's technical gain and offset are taken out before any model sees it.
// Training (batch_loader.h) and embedding (`micon embed`) share this, so a
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
#include "data/plate_reader.h"

namespace micon {

class NormalizedPlate {
 public:
  // Opens `path` and reads up to `control_images_for_stats` control images
  // for the statistics.
  static absl::StatusOr<std::unique_ptr<NormalizedPlate>> Open(
      const std::string& path, int control_images_for_stats);

  const PlateMetadata& metadata() const { return reader_.metadata(); }
  // Image `index`, normalised: float [C, H, W].
  absl::StatusOr<at::Tensor> Read(int64_t index) const;
  // Image `index` as stored, widened to float [C, H, W] (what hand-crafted
  // features measure).
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
