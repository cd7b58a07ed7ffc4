#include "data/normalized_plate.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "core/status_macros.h"
#include "data/data_quality.h"

namespace micon {

namespace F = torch::nn::functional;

absl::StatusOr<std::unique_ptr<NormalizedPlate>> NormalizedPlate::Open(
    const std::string& path, int control_images_for_stats) {
  MICON_ASSIGN_OR_RETURN(PlateReader reader, PlateReader::Open(path));
  std::unique_ptr<NormalizedPlate> plate(
      new NormalizedPlate(std::move(reader)));
  const PlateMetadata& m = plate->metadata();
  std::vector<int64_t> picks;
  for (int64_t i = 0; i < m.num_images() &&
                      static_cast<int>(picks.size()) < control_images_for_stats;
       ++i) {
    if (m.images[i].control) picks.push_back(i);
  }
  for (int64_t i = 0;
       picks.empty() &&
       i < std::min<int64_t>(control_images_for_stats, m.num_images());
       ++i) {
    picks.push_back(i);
  }
  if (picks.empty()) {
    return absl::FailedPreconditionError(path + ": the plate has no images");
  }
  std::vector<torch::Tensor> images;
  for (int64_t i : picks) {
    MICON_ASSIGN_OR_RETURN(torch::Tensor image, plate->ReadRaw(i));
    images.push_back(image);
  }
  const int64_t c = m.header.num_channels();
  const torch::Tensor values =
      torch::stack(images).to(torch::kDouble).transpose(0, 1).reshape({c, -1});
  const torch::Tensor stddev = values.std(1);
  const std::vector<double> spread(stddev.data_ptr<double>(),
                                   stddev.data_ptr<double>() + c);
  MICON_RETURN_IF_ERROR(CheckNormalizationStatistics(
      m, spread, static_cast<int64_t>(picks.size()),
      m.images[picks.front()].control));
  plate->mean_ = values.mean(1).to(torch::kFloat).view({c, 1, 1});
  // At least one grey level, so a barely varying channel does not blow up.
  plate->stddev_ = stddev.clamp_min(1.0).to(torch::kFloat).view({c, 1, 1});
  return plate;
}

absl::Status NormalizedPlate::ReadPixels(int64_t index,
                                         std::vector<uint16_t>* out) const {
  out->resize(static_cast<size_t>(metadata().header.pixels_per_image()));
  return reader_.ReadImage(index, out->data());
}

absl::StatusOr<at::Tensor> NormalizedPlate::ReadRaw(int64_t index) const {
  const PlateHeader& h = metadata().header;
  std::vector<uint16_t> buffer;
  MICON_RETURN_IF_ERROR(ReadPixels(index, &buffer));
  torch::Tensor image =
      torch::empty({h.num_channels(), h.height, h.width}, torch::kFloat);
  // uint16 values are exact in float.
  std::copy(buffer.begin(), buffer.end(), image.data_ptr<float>());
  return image;
}

absl::StatusOr<at::Tensor> NormalizedPlate::Read(int64_t index) const {
  MICON_ASSIGN_OR_RETURN(torch::Tensor image, ReadRaw(index));
  return (image - mean_) / stddev_;
}

at::Tensor ResizeSquare(const at::Tensor& image, int64_t size) {
  if (image.size(1) == size && image.size(2) == size) return image;
  return F::interpolate(image.unsqueeze(0),
                        F::InterpolateFuncOptions()
                            .size(std::vector<int64_t>{size, size})
                            .mode(torch::kBilinear)
                            .align_corners(false))
      .squeeze(0);
}

at::Tensor CentreSquare(const at::Tensor& image, int64_t size) {
  const int64_t h = image.size(1), w = image.size(2);
  const int64_t side = std::min(h, w);
  return ResizeSquare(image.slice(1, (h - side) / 2, (h - side) / 2 + side)
                          .slice(2, (w - side) / 2, (w - side) / 2 + side),
                      size);
}

}  // namespace micon
