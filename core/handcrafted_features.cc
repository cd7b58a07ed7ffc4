#include "core/handcrafted_features.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace micon {
namespace {

constexpr const char* kPerChannelFeatures[] = {"Intensity_Mean",
                                               "Intensity_Std",
                                               "Intensity_Q05",
                                               "Intensity_Q25",
                                               "Intensity_Median",
                                               "Intensity_Q75",
                                               "Intensity_Q95",
                                               "Intensity_Skewness",
                                               "Texture_Gradient",
                                               "Texture_LaplacianStd",
                                               "Texture_Contrast",
                                               "Texture_Homogeneity",
                                               "Texture_Energy",
                                               "Texture_Correlation",
                                               "Texture_Entropy",
                                               "Foreground_Fraction",
                                               "Foreground_MeanIntensity",
                                               "Nuclei_MeanIntensity",
                                               "Nuclei_IntensityRatio"};
constexpr const char* kNuclei[] = {"Nuclei_Count", "Nuclei_AreaMean",
                                   "Nuclei_AreaMedian", "Nuclei_AreaStd"};

double Scalar(const torch::Tensor& t) { return t.item<double>(); }

// Mean of `x` where `mask` holds; 0 when it holds nowhere.
double MaskedMean(const torch::Tensor& x, const torch::Tensor& mask) {
  const double n = Scalar(mask.sum());
  return n > 0 ? Scalar(x.masked_select(mask).sum()) / n : 0.0;
}

// The quantiles a channel's features need, from one sort: the texture range
// (1st and 99th percentiles) around the five reported ones.
constexpr double kQuantiles[] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
constexpr size_t kQuantileCount = sizeof(kQuantiles) / sizeof(kQuantiles[0]);

// `q`: the channel's kQuantiles.
void IntensityFeatures(const torch::Tensor& v, const std::vector<double>& q,
                       std::vector<double>* out) {
  const double mean = Scalar(v.mean());
  const double std = Scalar(v.std(/*unbiased=*/false));
  out->push_back(mean);
  out->push_back(std);
  out->insert(out->end(), q.begin() + 1, q.end() - 1);
  out->push_back(std > 0 ? Scalar(((v - mean) / std).pow(3).mean()) : 0.0);
}

void GradientFeatures(const torch::Tensor& x, std::vector<double>* out) {
  using torch::indexing::None;
  using torch::indexing::Slice;
  const torch::Tensor centre = x.index({Slice(1, -1), Slice(1, -1)});
  const torch::Tensor left = x.index({Slice(1, -1), Slice(0, -2)});
  const torch::Tensor right = x.index({Slice(1, -1), Slice(2, None)});
  const torch::Tensor up = x.index({Slice(0, -2), Slice(1, -1)});
  const torch::Tensor down = x.index({Slice(2, None), Slice(1, -1)});
  const torch::Tensor gx = (right - left) / 2, gy = (down - up) / 2;
  out->push_back(Scalar((gx * gx + gy * gy).sqrt().mean()));
  out->push_back(
      Scalar((left + right + up + down - 4 * centre).std(/*unbiased=*/false)));
}

// Grey levels are spread between `lo` and `hi` (the 1st and 99th
// percentiles).
void HaralickFeatures(const torch::Tensor& x, double lo, double hi,
                      int64_t levels, std::vector<double>* out) {
  using torch::indexing::None;
  using torch::indexing::Slice;
  if (!(hi > lo)) {  // flat: one grey level
    out->insert(out->end(), {0.0, 1.0, 1.0, 0.0, 0.0});
    return;
  }
  const torch::Tensor q = ((x - lo) / (hi - lo) * static_cast<double>(levels))
                              .floor()
                              .clamp(0, static_cast<double>(levels - 1))
                              .to(torch::kLong);
  torch::Tensor counts = torch::zeros({levels * levels}, torch::kFloat64);
  for (const auto& [a, b] : {std::pair{q.index({Slice(), Slice(0, -1)}),
                                       q.index({Slice(), Slice(1, None)})},
                             std::pair{q.index({Slice(0, -1), Slice()}),
                                       q.index({Slice(1, None), Slice()})}}) {
    // Both orders: the matrix is symmetric.
    counts += torch::bincount((a * levels + b).flatten(), {}, levels * levels)
                  .to(torch::kFloat64);
    counts += torch::bincount((b * levels + a).flatten(), {}, levels * levels)
                  .to(torch::kFloat64);
  }
  const torch::Tensor p = (counts / counts.sum()).view({levels, levels});
  const torch::Tensor i =
      torch::arange(levels, torch::kFloat64).view({levels, 1});
  const torch::Tensor j = i.view({1, levels});
  const torch::Tensor d2 = (i - j).pow(2);
  const double mu = Scalar((p * i).sum());
  const double var = Scalar((p * (i - mu).pow(2)).sum());
  out->push_back(Scalar((p * d2).sum()));
  out->push_back(Scalar((p / (1 + d2)).sum()));
  out->push_back(Scalar(p.pow(2).sum()));
  out->push_back(var > 0 ? Scalar((p * (i - mu) * (j - mu)).sum()) / var : 0.0);
  const torch::Tensor nz = p.masked_select(p > 0);
  out->push_back(Scalar(-(nz * nz.log()).sum()));
}

}  // namespace

std::vector<std::string> HandcraftedFeatureNames(
    const std::vector<std::string>& channels) {
  std::vector<std::string> names;
  for (const std::string& c : channels) {
    for (const char* f : kPerChannelFeatures)
      names.push_back(std::string(f) + "_" + c);
  }
  for (const char* f : kNuclei) names.emplace_back(f);
  for (size_t a = 0; a < channels.size(); ++a) {
    for (size_t b = a + 1; b < channels.size(); ++b) {
      names.push_back("Correlation_" + channels[a] + "_" + channels[b]);
    }
  }
  return names;
}

double OtsuThreshold(const at::Tensor& values) {
  const torch::Tensor v = values.flatten().to(torch::kFloat64);
  const double lo = Scalar(v.min()), hi = Scalar(v.max());
  if (!(hi > lo)) return hi;
  constexpr int kBins = 256;
  const torch::Tensor hist = torch::histc(v, kBins, lo, hi).contiguous();
  const double* h = hist.data_ptr<double>();
  const double width = (hi - lo) / kBins;
  double total = 0, total_sum = 0;
  for (int k = 0; k < kBins; ++k) {
    total += h[k];
    total_sum += h[k] * (lo + (k + 0.5) * width);
  }
  double below = 0, below_sum = 0, best = -1, threshold = lo;
  for (int k = 0; k < kBins - 1; ++k) {
    below += h[k];
    below_sum += h[k] * (lo + (k + 0.5) * width);
    const double above = total - below;
    if (below == 0 || above == 0) continue;
    const double m0 = below_sum / below, m1 = (total_sum - below_sum) / above;
    const double between = below * above * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      threshold = lo + (k + 1) * width;
    }
  }
  return threshold;
}

Components LabelComponents(const at::Tensor& mask) {
  TORCH_CHECK(mask.dim() == 2, "LabelComponents: mask must be [H, W]");
  const int64_t h = mask.size(0), w = mask.size(1);
  const torch::Tensor m = mask.to(torch::kBool).contiguous();
  const bool* in = m.data_ptr<bool>();
  Components out;
  out.labels = torch::zeros({h, w}, torch::kLong);
  int64_t* label = out.labels.data_ptr<int64_t>();
  std::vector<int64_t> stack;
  for (int64_t start = 0; start < h * w; ++start) {
    if (!in[start] || label[start] != 0) continue;
    const int64_t id = static_cast<int64_t>(out.areas.size()) + 1;
    label[start] = id;
    stack.assign(1, start);
    int64_t area = 0;
    while (!stack.empty()) {
      const int64_t p = stack.back();
      stack.pop_back();
      ++area;
      const int64_t y = p / w, x = p % w;
      const int64_t next[4][2] = {
          {y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
      for (const auto& n : next) {
        if (n[0] < 0 || n[0] >= h || n[1] < 0 || n[1] >= w) continue;
        const int64_t q = n[0] * w + n[1];
        if (in[q] && label[q] == 0) {
          label[q] = id;
          stack.push_back(q);
        }
      }
    }
    out.areas.push_back(area);
  }
  return out;
}

at::Tensor HandcraftedFeatures(const at::Tensor& image,
                               const HandcraftedOptions& options) {
  TORCH_CHECK(image.dim() == 3 && image.size(1) >= 3 && image.size(2) >= 3,
              "HandcraftedFeatures: image must be [C, H>=3, W>=3], got ",
              image.sizes());
  const int64_t channels = image.size(0);
  TORCH_CHECK(
      options.nucleus_channel >= 0 && options.nucleus_channel < channels,
      "HandcraftedFeatures: nucleus channel ", options.nucleus_channel, " of ",
      channels);
  TORCH_CHECK(options.texture_levels >= 2,
              "HandcraftedFeatures: texture_levels must be at least 2");
  const torch::Tensor x = image.to(torch::kFloat64);

  std::vector<double> otsu;
  for (int64_t c = 0; c < channels; ++c) otsu.push_back(OtsuThreshold(x[c]));

  // Nuclei: Otsu on the DNA stain, small specks dropped.
  const Components objects =
      LabelComponents(x[options.nucleus_channel] >
                      otsu[static_cast<size_t>(options.nucleus_channel)]);
  std::vector<int64_t> areas;
  std::vector<uint8_t> kept = {0};  // by label; 0 is the background
  for (int64_t a : objects.areas) {
    kept.push_back(a >= options.min_nucleus_area ? 1 : 0);
    if (kept.back()) areas.push_back(a);
  }
  const torch::Tensor nuclei =
      torch::tensor(kept).index({objects.labels}).to(torch::kBool);

  std::vector<double> f;
  for (int64_t c = 0; c < channels; ++c) {
    const torch::Tensor xc = x[c];
    const torch::Tensor q = torch::quantile(
        xc.flatten(),
        torch::tensor(
            std::vector<double>(kQuantiles, kQuantiles + kQuantileCount),
            torch::kFloat64));
    const std::vector<double> quantiles(q.data_ptr<double>(),
                                        q.data_ptr<double>() + kQuantileCount);
    IntensityFeatures(xc.flatten(), quantiles, &f);
    GradientFeatures(xc, &f);
    HaralickFeatures(xc, quantiles.front(), quantiles.back(),
                     options.texture_levels, &f);
    const torch::Tensor foreground = xc > otsu[static_cast<size_t>(c)];
    f.push_back(Scalar(foreground.to(torch::kFloat64).mean()));
    f.push_back(MaskedMean(xc, foreground));
    const double inside = MaskedMean(xc, nuclei);
    const double outside = MaskedMean(xc, nuclei.logical_not());
    f.push_back(inside);
    f.push_back(outside != 0 && inside != 0 ? inside / outside : 0.0);
  }

  const double count = static_cast<double>(areas.size());
  double mean = 0, median = 0, std = 0;
  if (!areas.empty()) {
    const torch::Tensor a = torch::tensor(areas, torch::kFloat64);
    mean = Scalar(a.mean());
    median = Scalar(torch::quantile(a, 0.5));
    std = Scalar(a.std(/*unbiased=*/false));
  }
  f.insert(f.end(), {count, mean, median, std});

  const torch::Tensor flat = x.reshape({channels, -1});
  const torch::Tensor centred = flat - flat.mean(1, /*keepdim=*/true);
  const torch::Tensor norms = centred.pow(2).sum(1).sqrt();
  for (int64_t a = 0; a < channels; ++a) {
    for (int64_t b = a + 1; b < channels; ++b) {
      const double denominator = Scalar(norms[a] * norms[b]);
      f.push_back(denominator > 0
                      ? Scalar((centred[a] * centred[b]).sum()) / denominator
                      : 0.0);
    }
  }
  return torch::tensor(f, torch::kFloat64);
}

}  // namespace micon
