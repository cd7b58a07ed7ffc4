#include "data/synthetic_cells.h"

#include <algorithm>
#include <cmath>

namespace micon {
namespace {

constexpr int kMorphologyParams = 11;
constexpr uint64_t kMorphologySeed = 0x5eed'ce11'0001ull;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

int StainIndex(const std::string& name) {
  static const char* kStains[] = {"DNA", "ER", "RNA", "AGP", "Mito"};
  for (int i = 0; i < 5; ++i) {
    if (name == kStains[i]) return i;
  }
  return -1;
}

}  // namespace

CellMorphology MorphologyFor(const std::vector<double>& phenotype,
                             int image_size) {
  // A fixed linear map from phenotype to morphology parameters (the same in
  // every screen).
  std::mt19937_64 rng(kMorphologySeed);
  std::normal_distribution<double> normal;
  std::vector<double> p(kMorphologyParams, 0.0);
  for (int k = 0; k < kMorphologyParams; ++k) {
    for (double phi : phenotype) p[k] += normal(rng) * phi;
    p[k] /=
        std::sqrt(static_cast<double>(std::max<size_t>(1, phenotype.size())));
  }
  const double scale = image_size / 64.0;
  CellMorphology m;
  m.nucleus_radius = 4.0 * scale * std::exp(0.25 * p[0]);
  m.elongation = 0.35 * std::tanh(p[1]);
  m.cell_radius_factor = 2.2 * std::exp(0.2 * p[2]);
  for (int c = 0; c < 5; ++c) m.stain_gain[c] = std::exp(0.25 * p[3 + c]);
  m.er_frequency = 1.2 / scale * std::exp(0.3 * p[8]);
  m.mito_puncta = 8.0 * std::exp(0.5 * p[9]);
  m.cells_per_field = 12.0 * std::exp(0.3 * p[10]);
  return m;
}

void RenderField(const CellMorphology& m,
                 const std::vector<std::string>& channels, int size,
                 std::mt19937_64& rng, std::vector<float>* field) {
  const int c_count = static_cast<int>(channels.size());
  field->assign(static_cast<size_t>(c_count) * size * size, 0.0f);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal;
  std::poisson_distribution<int> cells(m.cells_per_field * size * size /
                                       4096.0);
  std::poisson_distribution<int> puncta(m.mito_puncta);
  std::vector<int> stain(c_count);
  for (int c = 0; c < c_count; ++c) stain[c] = StainIndex(channels[c]);
  auto add = [&](int c, int x, int y, double v) {
    (*field)[(static_cast<size_t>(c) * size + y) * size + x] +=
        static_cast<float>(v);
  };
  auto spot = [&](int c, double cx, double cy, double sigma, double amplitude) {
    const int r = static_cast<int>(std::ceil(2.5 * sigma));
    for (int y = std::max(0, int(cy) - r); y <= std::min(size - 1, int(cy) + r);
         ++y) {
      for (int x = std::max(0, int(cx) - r);
           x <= std::min(size - 1, int(cx) + r); ++x) {
        const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        add(c, x, y, amplitude * std::exp(-d2 / (2 * sigma * sigma)));
      }
    }
  };
  const int n = cells(rng);
  for (int i = 0; i < n; ++i) {
    const double cx = uniform(rng) * size, cy = uniform(rng) * size;
    const double theta = uniform(rng) * M_PI;
    const double rn = m.nucleus_radius * std::exp(0.1 * normal(rng));
    const double a = rn * (1 + m.elongation), b = rn / (1 + m.elongation);
    const double rc = rn * m.cell_radius_factor * std::exp(0.08 * normal(rng));
    const double phase1 = uniform(rng) * 6.28, phase2 = uniform(rng) * 6.28;
    const double ct = std::cos(theta), st = std::sin(theta);
    const int box = static_cast<int>(rc + 3);
    for (int y = std::max(0, int(cy) - box);
         y <= std::min(size - 1, int(cy) + box); ++y) {
      for (int x = std::max(0, int(cx) - box);
           x <= std::min(size - 1, int(cx) + box); ++x) {
        const double dx = x - cx, dy = y - cy;
        const double u = dx * ct + dy * st, v = -dx * st + dy * ct;
        const double dn = std::sqrt((u / a) * (u / a) + (v / b) * (v / b));
        const double dc = std::sqrt(dx * dx + dy * dy) / rc;
        const double nucleus = Sigmoid((1 - dn) * 6);
        const double cytoplasm = Sigmoid((1 - dc) * 6) * (1 - nucleus);
        for (int c = 0; c < c_count; ++c) {
          double value;
          switch (stain[c]) {
            case 0:  // DNA: the nucleus, with chromatin texture
              value =
                  nucleus * (0.8 + 0.2 * std::sin(3 * u / rn * 3.14 + phase1));
              break;
            case 1:  // ER: reticular texture, brightest around the nucleus
              value = cytoplasm *
                      (0.3 +
                       0.35 * (1 + std::sin(m.er_frequency * u + phase1) *
                                       std::sin(m.er_frequency * v + phase2))) *
                      (1.6 - 0.6 * dc);
              break;
            case 2:  // RNA: cytoplasm and nucleoplasm (nucleoli added below)
              value = 0.35 * cytoplasm + 0.15 * nucleus;
              break;
            case 3:  // AGP: the plasma membrane and a little actin
              value = 0.8 * std::exp(-std::pow((dc - 1) * rc, 2) / 2.0) +
                      0.15 * cytoplasm;
              break;
            case 4:  // Mito: a faint cytoplasmic haze (puncta added below)
              value = 0.12 * cytoplasm;
              break;
            default:
              value = 0.5 * cytoplasm;
          }
          if (value != 0)
            add(c, x, y,
                value * (stain[c] >= 0 ? m.stain_gain[stain[c]] : 1.0));
        }
      }
    }
    for (int c = 0; c < c_count; ++c) {
      if (stain[c] == 2) {  // two nucleoli
        for (int k = 0; k < 2; ++k) {
          spot(c, cx + 0.4 * a * normal(rng), cy + 0.4 * b * normal(rng),
               0.12 * rn + 0.5, 0.9 * m.stain_gain[2]);
        }
      } else if (stain[c] ==
                 4) {  // mitochondrial puncta scattered through the cytoplasm
        const int count = puncta(rng);
        for (int k = 0; k < count; ++k) {
          const double r = rn + (rc - rn) * uniform(rng),
                       phi = uniform(rng) * 6.28;
          spot(c, cx + r * std::cos(phi), cy + r * std::sin(phi), 0.8,
               0.9 * m.stain_gain[4]);
        }
      }
    }
  }
}

}  // namespace micon
