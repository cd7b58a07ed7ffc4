#include "data/normalized_plate.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/data_quality.h"

namespace micon {

namespace F = torch::nn::functional;

absl::StatusOr<ChannelStatistics> DatasetPixelStatistics(
    const PlateStore& store, int images_per_plate) {
  if (store.plates.empty() || images_per_plate < 1) {
    return absl::InvalidArgumentError(
        "dataset pixel statistics need plates and at least 1 image per plate");
  }
  const int64_t c = store.plates.front().header.num_channels();
  std::vector<double> sum(c, 0.0), sum_sq(c, 0.0);
  double count = 0;
  std::vector<uint16_t> pixels;
  for (const PlateMetadata& m : store.plates) {
    MICON_ASSIGN_OR_RETURN(PlateReader reader, PlateReader::Open(m.path));
    const int64_t n = m.num_images();
    const int64_t take = std::min<int64_t>(images_per_plate, n);
    const int64_t plane = m.header.height * m.header.width;
    pixels.resize(static_cast<size_t>(m.header.pixels_per_image()));
    for (int64_t k = 0; k < take; ++k) {
      MICON_RETURN_IF_ERROR(reader.ReadImage(k * n / take, pixels.data()));
      for (int64_t ch = 0; ch < c; ++ch) {
        for (int64_t i = 0; i < plane; ++i) {
          const double v = pixels[ch * plane + i];
          sum[ch] += v;
          sum_sq[ch] += v * v;
        }
      }
      count += static_cast<double>(plane);
    }
  }
  torch::Tensor mean = torch::empty({c, 1, 1}, torch::kFloat);
  torch::Tensor stddev = torch::empty({c, 1, 1}, torch::kFloat);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double mu = sum[ch] / count;
    const double var = std::max(
        0.0, (sum_sq[ch] - count * mu * mu) / std::max(1.0, count - 1));
    if (var == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "dataset pixel statistics: channel ",
          store.plates.front().header.channels[ch],
          " has the same value in every sampled pixel of every plate"));
    }
    mean[ch] = mu;
    // At least one grey level, as for per-plate statistics.
    stddev[ch] = std::max(1.0, std::sqrt(var));
  }
  return ChannelStatistics{mean, stddev};
}

absl::Status PreparePixelNormalization(const PlateStore& store,
                                       PixelNormalizationOptions* options) {
  if (options->kind != PixelNormalization::kDataset ||
      options->dataset.mean.defined()) {
    return absl::OkStatus();
  }
  MICON_ASSIGN_OR_RETURN(
      options->dataset,
      DatasetPixelStatistics(store, options->control_images_for_stats));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NormalizedPlate>> NormalizedPlate::Open(
    const std::string& path, int control_images_for_stats) {
  PixelNormalizationOptions options;
  options.control_images_for_stats = control_images_for_stats;
  return Open(path, options);
}

absl::StatusOr<std::unique_ptr<NormalizedPlate>> NormalizedPlate::Open(
    const std::string& path, const PixelNormalizationOptions& options,
    std::shared_ptr<PlateFilePool> pool) {
  if (options.kind == PixelNormalization::kDataset &&
      !options.dataset.mean.defined()) {
    return absl::FailedPreconditionError(
        path +
        ": dataset normalisation without dataset statistics "
        "(PreparePixelNormalization first)");
  }
  MICON_ASSIGN_OR_RETURN(PlateReader reader,
                         PlateReader::Open(path, std::move(pool)));
  std::unique_ptr<NormalizedPlate> plate(
      new NormalizedPlate(std::move(reader)));
  const PlateMetadata& m = plate->metadata();
  // The plate's control statistics are checked whatever normalisation is
  // chosen: a blank or saturated plate is refused in every mode.
  const int control_images_for_stats = options.control_images_for_stats;
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
  switch (options.kind) {
    case PixelNormalization::kPlateControls:
      plate->mean_ = values.mean(1).to(torch::kFloat).view({c, 1, 1});
      // At least one grey level, so a barely varying channel does not blow
      // up.
      plate->stddev_ = stddev.clamp_min(1.0).to(torch::kFloat).view({c, 1, 1});
      break;
    case PixelNormalization::kDataset:
      if (options.dataset.mean.numel() != c) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, ": ", c, " channels, the dataset statistics have ",
            options.dataset.mean.numel()));
      }
      plate->mean_ = options.dataset.mean;
      plate->stddev_ = options.dataset.stddev;
      break;
    case PixelNormalization::kNone:
      plate->mean_ = torch::zeros({c, 1, 1});
      plate->stddev_ = torch::ones({c, 1, 1});
      break;
  }
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
