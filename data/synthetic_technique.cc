#include "data/synthetic_technique.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "data/random_stream.h"

namespace micon {
namespace {

// Random-stream keys: 1-5 are the intensity effects and the fields (kept from
// the first generator so its screens do not change), 10-12 the others.
enum StreamKey : uint64_t {
  kSourceIntensity = 1,
  kBatchIntensity = 2,
  kPlateIntensity = 3,
  kWellIntensity = 4,
  kSourceOptics = 10,
  kBatchCulture = 11,
  kPlateOptics = 12,
};

// Separable Gaussian blur of one S x S plane, edges clamped.
void GaussianBlur(float* plane, int size, double sigma) {
  const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
  std::vector<double> kernel(2 * radius + 1);
  double total = 0;
  for (int k = -radius; k <= radius; ++k) {
    total += kernel[k + radius] = std::exp(-0.5 * k * k / (sigma * sigma));
  }
  for (double& k : kernel) k /= total;
  std::vector<float> tmp(static_cast<size_t>(size) * size);
  for (int pass = 0; pass < 2; ++pass) {
    const float* in = pass == 0 ? plane : tmp.data();
    float* out = pass == 0 ? tmp.data() : plane;
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        double sum = 0;
        for (int k = -radius; k <= radius; ++k) {
          const int xx = std::clamp(pass == 0 ? x + k : x, 0, size - 1);
          const int yy = std::clamp(pass == 0 ? y : y + k, 0, size - 1);
          sum += kernel[k + radius] * in[yy * size + xx];
        }
        out[y * size + x] = static_cast<float>(sum);
      }
    }
  }
}

}  // namespace

const char* TechnicalEffects::FirstNegative() const {
  const std::pair<const char*, double> strengths[] = {
      {"technical strength", intensity},
      {"optics", optics},
      {"illumination", illumination},
      {"crosstalk", crosstalk},
      {"culture", culture},
      {"debris", debris}};
  for (const auto& [name, value] : strengths) {
    if (!(value >= 0)) return name;
  }
  return nullptr;
}

PlateTechnique::ChannelEffect PlateTechnique::DrawEffect(std::mt19937_64 rng,
                                                         int channels,
                                                         double gain_sd,
                                                         double offset_max) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  ChannelEffect e;
  for (int c = 0; c < channels; ++c) {
    e.gain.push_back(std::exp(gain_sd * normal(rng)));
    e.offset.push_back(offset_max * uniform(rng));
  }
  return e;
}

PlateTechnique::PlateTechnique(const TechnicalEffects& effects, uint64_t seed,
                               const PlateLocation& where, int channels,
                               int size)
    : effects_(effects),
      seed_(seed),
      where_(where),
      channels_(channels),
      size_(size) {
  const uint64_t s = where.source, b = where.batch, p = where.plate;
  const double t = effects.intensity;
  source_ = DrawEffect(RandomStream(seed, {kSourceIntensity, s}), channels,
                       0.45 * t, 0.08 * t);
  batch_ = DrawEffect(RandomStream(seed, {kBatchIntensity, s, b}), channels,
                      0.35 * t, 0.05 * t);
  std::mt19937_64 plate_rng = RandomStream(seed, {kPlateIntensity, s, b, p});
  plate_ = DrawEffect(plate_rng, channels, 0.12 * t, 0.02 * t);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  vignette_ = 0.4 * t * uniform(plate_rng);
  vx_ = size * (0.5 + 0.2 * (uniform(plate_rng) - 0.5));
  vy_ = size * (0.5 + 0.2 * (uniform(plate_rng) - 0.5));
  defocused_ = uniform(plate_rng) < 0.5 * std::min(1.0, t);

  // Each effect draws from its own stream, whether or not the others are on,
  // so turning one on does not change how the others look.
  std::normal_distribution<double> normal;
  const double scale = size / 64.0;
  std::mt19937_64 optics_rng = RandomStream(seed, {kSourceOptics, s, 1});
  std::mt19937_64 plate_optics_rng =
      RandomStream(seed, {kPlateOptics, s, b, p});
  blur_sigma_ = effects.optics * scale * (0.5 + 1.0 * uniform(optics_rng)) *
                std::exp(0.15 * normal(plate_optics_rng));

  // Illumination: exp of a low-order polynomial over the field of view.
  std::mt19937_64 light_rng = RandomStream(seed, {kSourceOptics, s, 2});
  std::mt19937_64 drift_rng = RandomStream(seed, {kBatchCulture, s, b, 2});
  illumination_.assign(static_cast<size_t>(channels) * size * size, 1.0);
  for (int c = 0; c < channels; ++c) {
    double a[4];
    for (double& k : a) {
      k = effects.illumination *
          (0.35 * normal(light_rng) + 0.12 * normal(drift_rng));
    }
    for (int y = 0; y < size; ++y) {
      const double v = 2.0 * (y + 0.5) / size - 1.0;
      for (int x = 0; x < size; ++x) {
        const double u = 2.0 * (x + 0.5) / size - 1.0;
        illumination_[(static_cast<size_t>(c) * size + y) * size + x] =
            std::exp(a[0] * u + a[1] * v + a[2] * u * v +
                     a[3] * (u * u + v * v - 2.0 / 3.0));
      }
    }
  }

  // Spectral bleed-through from the next bluer channel (channels are listed
  // by wavelength: DNA, ER, RNA, AGP, Mito).
  std::mt19937_64 bleed_rng = RandomStream(seed, {kSourceOptics, s, 3});
  bleed_.assign(channels, 0.0);
  for (int c = 1; c < channels; ++c) {
    bleed_[c] = effects.crosstalk * 0.3 * uniform(bleed_rng);
  }

  // Culture: denser wells have smaller cells.
  std::mt19937_64 culture_rng = RandomStream(seed, {kBatchCulture, s, b, 4});
  density_ = std::exp(effects.culture * 0.45 * normal(culture_rng));
  size_factor_ = std::pow(density_, -0.1) *
                 std::exp(effects.culture * 0.12 * normal(culture_rng));

  std::mt19937_64 debris_rng = RandomStream(seed, {kBatchCulture, s, b, 5});
  debris_rate_ = effects.debris * 4.0 * std::exp(0.7 * normal(debris_rng)) *
                 std::exp(0.3 * normal(plate_optics_rng)) * scale * scale;
  haze_ = effects.debris * 0.25 * (0.3 + 0.7 * uniform(debris_rng));
  for (int c = 0; c < channels; ++c) {
    debris_colour_.push_back(0.3 + 0.7 * uniform(debris_rng));
  }
}

CellMorphology PlateTechnique::Culture(const CellMorphology& m) const {
  if (effects_.culture == 0) return m;
  CellMorphology out = m;
  out.cells_per_field *= density_;
  out.nucleus_radius *= size_factor_;
  return out;
}

void PlateTechnique::AddGlow(std::vector<float>* field, double cx, double cy,
                             double sigma, double amplitude, int reach) const {
  const size_t plane = static_cast<size_t>(size_) * size_;
  for (int y = std::max(0, int(cy) - reach);
       y <= std::min(size_ - 1, int(cy) + reach); ++y) {
    for (int x = std::max(0, int(cx) - reach);
         x <= std::min(size_ - 1, int(cx) + reach); ++x) {
      const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
      const double v = amplitude * std::exp(-0.5 * d2 / (sigma * sigma));
      for (int c = 0; c < channels_; ++c) {
        (*field)[c * plane + y * size_ + x] +=
            static_cast<float>(v * debris_colour_[c]);
      }
    }
  }
}

void PlateTechnique::AddDebris(std::vector<float>* field,
                               std::mt19937_64& rng) const {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double scale = size_ / 64.0;
  // Haze: a few broad blobs of autofluorescent medium, over the whole field.
  for (int blob = 0; blob < 3; ++blob) {
    const double cx = uniform(rng) * size_, cy = uniform(rng) * size_;
    const double sigma = size_ * (0.15 + 0.2 * uniform(rng));
    const double amplitude = haze_ * uniform(rng);
    AddGlow(field, cx, cy, sigma, amplitude, /*reach=*/size_);
  }
  // Specks: small, bright, in every channel.
  const int specks = std::poisson_distribution<int>(debris_rate_)(rng);
  for (int k = 0; k < specks; ++k) {
    const double cx = uniform(rng) * size_, cy = uniform(rng) * size_;
    const double r = scale * (0.7 + 1.5 * uniform(rng));
    const double brightness = 1.5 + 3.0 * uniform(rng);
    AddGlow(field, cx, cy, r, brightness, static_cast<int>(std::ceil(3 * r)));
  }
}

void PlateTechnique::Crosstalk(std::vector<float>* field) const {
  const size_t plane = static_cast<size_t>(size_) * size_;
  // From the reddest channel down, so each adds its neighbour's own signal.
  for (int c = channels_ - 1; c >= 1; --c) {
    for (size_t i = 0; i < plane; ++i) {
      (*field)[c * plane + i] +=
          static_cast<float>(bleed_[c] * (*field)[(c - 1) * plane + i]);
    }
  }
}

void PlateTechnique::Illuminate(std::vector<float>* field) const {
  // The medium's faint autofluorescence is lit by the same field, so the
  // field shows in the background as in real uncorrected images.
  constexpr double kMediumGlow = 0.1;
  for (size_t i = 0; i < field->size(); ++i) {
    (*field)[i] =
        static_cast<float>(((*field)[i] + kMediumGlow) * illumination_[i]);
  }
}

void PlateTechnique::PointSpread(std::vector<float>* field) const {
  const size_t plane = static_cast<size_t>(size_) * size_;
  for (int c = 0; c < channels_; ++c) {
    GaussianBlur(field->data() + c * plane, size_, blur_sigma_);
  }
}

void PlateTechnique::Image(std::vector<float>* field, int well,
                           std::mt19937_64& rng, uint16_t* out) const {
  if (effects_.debris > 0) AddDebris(field, rng);
  if (effects_.crosstalk > 0) Crosstalk(field);
  if (effects_.illumination > 0) Illuminate(field);
  if (blur_sigma_ > 0) PointSpread(field);

  const int size = size_;
  const double t = effects_.intensity;
  const ChannelEffect well_effect = DrawEffect(
      RandomStream(seed_, {kWellIntensity, where_.plate_hash, uint64_t(well)}),
      channels_, 0.05 * t, 0.0);
  std::vector<double> pixels(static_cast<size_t>(channels_) * size * size);
  std::normal_distribution<double> noise;
  for (int c = 0; c < channels_; ++c) {
    const double gain =
        source_.gain[c] * batch_.gain[c] * plate_.gain[c] * well_effect.gain[c];
    const double offset =
        source_.offset[c] + batch_.offset[c] + plate_.offset[c];
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const double r2 = ((x - vx_) * (x - vx_) + (y - vy_) * (y - vy_)) /
                          (0.5 * size * size);
        const size_t i = (static_cast<size_t>(c) * size + y) * size + x;
        pixels[i] = ((*field)[i] * gain + offset) * (1.0 - vignette_ * r2);
      }
    }
    if (defocused_) {  // out-of-focus plate: 3x3 box blur
      std::vector<double> copy(pixels.begin() + c * size * size,
                               pixels.begin() + (c + 1) * size * size);
      for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
          double sum = 0;
          int k = 0;
          for (int yy = std::max(0, y - 1); yy <= std::min(size - 1, y + 1);
               ++yy) {
            for (int xx = std::max(0, x - 1); xx <= std::min(size - 1, x + 1);
                 ++xx, ++k) {
              sum += copy[yy * size + xx];
            }
          }
          pixels[(static_cast<size_t>(c) * size + y) * size + x] = sum / k;
        }
      }
    }
  }
  for (size_t i = 0; i < pixels.size(); ++i) {
    const double v =
        pixels[i] +
        (0.01 + 0.02 * std::sqrt(std::max(0.0, pixels[i]))) * noise(rng);
    out[i] = static_cast<uint16_t>(
        std::clamp(std::lround(200 + 3000 * v), 0L, 65535L));
  }
}

}  // namespace micon
