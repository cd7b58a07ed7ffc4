// The synthetic screen's technical effects that per-plate DMSO normalisation
// cannot undo (synthetic_technique.h). For each effect, two screens that
// differ only in that effect's strength (0 vs 1) are read through
// NormalizedPlate, exactly as the models see them, and a measurement made for
// that effect on the DMSO images is compared between the groups the effect
// varies over (source or batch): with the effect on, the groups must differ
// far more than the replicates within them; with it off, they must not.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/normalized_plate.h"
#include "data/plate_store.h"
#include "data/synthetic_screen.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;

// A measurement of one normalised image [C, H, W] as a vector.
using Measurement = std::function<std::vector<double>(const at::Tensor&)>;
enum class Grouping { kSource, kBatch };

std::vector<double> ToVector(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kDouble).contiguous().flatten();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

SyntheticScreenOptions EffectScreen(const std::string& out) {
  SyntheticScreenOptions o;
  o.compound_table = SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv");
  o.output = out;
  o.sources = 3;
  o.batches_per_source = 2;
  o.plates_per_batch = 1;
  o.wells_per_plate = 8;
  o.control_wells_per_plate = 4;
  o.compounds = 4;
  o.held_out_compounds = 0;
  o.sites_per_well = 2;
  o.image_size = 64;
  return o;
}

// One-way ANOVA F ratio of vectors: between-group over within-group variance
// (sums of squares over every component).
double GroupSeparation(
    const std::map<std::string, std::vector<std::vector<double>>>& groups) {
  size_t n = 0, dim = 0;
  std::vector<double> grand;
  std::map<std::string, std::vector<double>> means;
  for (const auto& [name, rows] : groups) {
    dim = rows[0].size();
    std::vector<double> m(dim, 0.0);
    for (const auto& r : rows) {
      for (size_t k = 0; k < dim; ++k) m[k] += r[k] / rows.size();
    }
    means[name] = m;
    n += rows.size();
  }
  grand.assign(dim, 0.0);
  for (const auto& [name, rows] : groups) {
    for (size_t k = 0; k < dim; ++k) {
      grand[k] += means[name][k] * rows.size() / n;
    }
  }
  double between = 0, within = 0;
  for (const auto& [name, rows] : groups) {
    for (size_t k = 0; k < dim; ++k) {
      between += rows.size() * std::pow(means[name][k] - grand[k], 2);
    }
    for (const auto& r : rows) {
      for (size_t k = 0; k < dim; ++k) {
        within += std::pow(r[k] - means[name][k], 2);
      }
    }
  }
  const double g = static_cast<double>(groups.size());
  return (between / (g - 1)) / (within / (n - g));
}

double SeparationOfControls(const SyntheticScreenOptions& options,
                            const Measurement& measure, Grouping grouping) {
  EXPECT_TRUE(GenerateSyntheticScreen(options).ok());
  absl::StatusOr<PlateStore> store = OpenPlateStore(options.output);
  EXPECT_TRUE(store.ok()) << store.status();
  std::map<std::string, std::vector<std::vector<double>>> groups;
  for (const PlateMetadata& p : store->plates) {
    absl::StatusOr<std::unique_ptr<NormalizedPlate>> plate =
        NormalizedPlate::Open(p.path, 1000);
    EXPECT_TRUE(plate.ok()) << plate.status();
    const std::string group = grouping == Grouping::kSource
                                  ? p.header.source
                                  : p.header.source + "/" + p.header.batch;
    for (int64_t i = 0; i < p.num_images(); ++i) {
      if (!p.images[i].control) continue;
      absl::StatusOr<at::Tensor> image = (*plate)->Read(i);
      EXPECT_TRUE(image.ok()) << image.status();
      groups[group].push_back(measure(*image));
    }
  }
  return GroupSeparation(groups);
}

// Screens with `effect` at 0 and 1 and every other effect off, the intensity
// effects included: their per-plate vignette and defocus would otherwise
// differ between plates, and so between sources and batches, on their own.
void ExpectSurvivesNormalisation(const char* name,
                                 double TechnicalEffects::*effect,
                                 const Measurement& measure,
                                 Grouping grouping) {
  const std::string dir = ScratchDir();
  SyntheticScreenOptions off = EffectScreen(dir + "/off");
  off.technique.intensity = 0;
  SyntheticScreenOptions on = off;
  on.output = dir + "/on";
  on.technique.*effect = 1.0;
  const double f_off = SeparationOfControls(off, measure, grouping);
  const double f_on = SeparationOfControls(on, measure, grouping);
  std::printf("%s: F between %s groups of DMSO images, off %.2f, on %.2f\n",
              name, grouping == Grouping::kSource ? "source" : "batch", f_off,
              f_on);
  EXPECT_GT(f_on, 10.0) << name;
  EXPECT_GT(f_on, 4.0 * f_off) << name;
}

// Sharpness: log of gradient energy over variance, per channel (scale-free,
// so per-channel normalisation leaves it as it is).
std::vector<double> Sharpness(const at::Tensor& x) {
  const at::Tensor dx = x.slice(2, 1) - x.slice(2, 0, -1);
  const at::Tensor dy = x.slice(1, 1) - x.slice(1, 0, -1);
  const at::Tensor energy = dx.pow(2).mean({1, 2}) + dy.pow(2).mean({1, 2});
  return ToVector((energy / x.var({1, 2}, /*unbiased=*/false)).log());
}

TEST(SyntheticEffects, PointSpreadBlurSurvivesNormalisation) {
  ExpectSurvivesNormalisation("optics", &TechnicalEffects::optics, Sharpness,
                              Grouping::kSource);
}

// How much brighter each quadrant's background (its 5th percentile: cells
// cover most of a field) is than the whole image's, per channel, in the
// plate's normalised units.
std::vector<double> QuadrantBackground(const at::Tensor& x) {
  const int64_t half = x.size(1) / 2;
  const at::Tensor flat = x.flatten(1);
  const at::Tensor overall = flat.quantile(0.05, 1);
  std::vector<at::Tensor> parts;
  for (int64_t qy = 0; qy < 2; ++qy) {
    for (int64_t qx = 0; qx < 2; ++qx) {
      const at::Tensor quadrant = x.slice(1, qy * half, (qy + 1) * half)
                                      .slice(2, qx * half, (qx + 1) * half)
                                      .flatten(1);
      parts.push_back(quadrant.quantile(0.05, 1) - overall);
    }
  }
  return ToVector(torch::cat(parts));
}

TEST(SyntheticEffects, IlluminationFieldSurvivesNormalisation) {
  ExpectSurvivesNormalisation("illumination", &TechnicalEffects::illumination,
                              QuadrantBackground, Grouping::kBatch);
}

// Pixel correlation of each channel with the previous one.
std::vector<double> NeighbourCorrelation(const at::Tensor& x) {
  const at::Tensor flat = x.flatten(1);
  const at::Tensor z = (flat - flat.mean(1, true)) / flat.std(1, true, true);
  const at::Tensor corr = (z.slice(0, 1) * z.slice(0, 0, -1)).mean(1);
  return ToVector(corr);
}

TEST(SyntheticEffects, ChannelCrosstalkSurvivesNormalisation) {
  ExpectSurvivesNormalisation("crosstalk", &TechnicalEffects::crosstalk,
                              NeighbourCorrelation, Grouping::kSource);
}

// Share of each channel's pixels above that image's own mean: how much of the
// field cells cover.
std::vector<double> Coverage(const at::Tensor& x) {
  const at::Tensor above = x > x.mean({1, 2}, true);
  return ToVector(above.to(at::kDouble).mean({1, 2}));
}

TEST(SyntheticEffects, CultureDensityAndSizeSurviveNormalisation) {
  ExpectSurvivesNormalisation("culture", &TechnicalEffects::culture, Coverage,
                              Grouping::kBatch);
}

// Share of pixels bright in every channel at once: debris fluoresces in all
// of them, a cell's compartments each in their own stain.
std::vector<double> BrightEverywhere(const at::Tensor& x) {
  const at::Tensor flat = x.flatten(1);
  const at::Tensor z = (flat - flat.mean(1, true)) / flat.std(1, true, true);
  return {(std::get<0>(z.min(0)) > 2.0).to(at::kDouble).mean().item<double>()};
}

TEST(SyntheticEffects, DebrisSurvivesNormalisation) {
  ExpectSurvivesNormalisation("debris", &TechnicalEffects::debris,
                              BrightEverywhere, Grouping::kBatch);
}

}  // namespace
}  // namespace micon
