// synthetic_technique.h: what the microscope, the reagents and the culture do
// to a synthetic screen's cells (synthetic_cells.h draws the cells,
// synthetic_screen.h lays out the screen).
//
//   PlateTechnique t(effects, seed, {source, batch, plate, plate_hash}, 5, 64);
//   RenderField(t.Culture(morphology), channels, 64, rng, &field);
//   t.Image(&field, well, rng, pixels.data());   // uint16 [C, 64, 64]
//
// Two families of effects. Intensity effects (per-channel gain and offset at
// source, batch, plate and well level; a radial vignette and a 3x3 defocus on
// some plates) are what per-plate DMSO normalisation removes almost exactly.
// The others change the image in ways pixel statistics cannot undo, each with
// its own strength (0 = off, 1 = the documented size; docs/SYNTHETIC.md):
//   optics        per-source point-spread blur, per-plate focus jitter;
//   illumination  per-source field across the field of view, per-batch drift;
//   crosstalk     per-source bleed-through from the neighbouring channel;
//   culture       per-batch cell density (confluence) and cell size;
//   debris        per-batch fluorescent debris and background haze.
// With every non-intensity strength 0 the images are bit for bit those of the
// generator before these effects existed.
#ifndef MICON_DATA_SYNTHETIC_TECHNIQUE_H_
#define MICON_DATA_SYNTHETIC_TECHNIQUE_H_

#include <cstdint>
#include <random>
#include <vector>

#include "data/synthetic_cells.h"

namespace micon {

struct TechnicalEffects {
  double intensity = 1.0;  // gain, offset, vignette, plate defocus
  double optics = 0;
  double illumination = 0;
  double crosstalk = 0;
  double culture = 0;
  double debris = 0;

  // The flag name of the first negative strength ("optics", ...), or nullptr.
  const char* FirstNegative() const;
};

// Where a plate sits in the screen; every effect is drawn from it and the seed.
struct PlateLocation {
  int source = 0, batch = 0, plate = 0;
  uint64_t plate_hash = 0;  // StableHash of the plate name
};

class PlateTechnique {
 public:
  PlateTechnique(const TechnicalEffects& effects, uint64_t seed,
                 const PlateLocation& where, int channels, int size);

  // The morphology as this batch's culture conditions change it.
  CellMorphology Culture(const CellMorphology& m) const;

  // Turns a rendered field [C, S, S] of well `well` into camera counts; `rng`
  // is the field's own stream (it draws the debris and the pixel noise).
  void Image(std::vector<float>* field, int well, std::mt19937_64& rng,
             uint16_t* out) const;

 private:
  struct ChannelEffect {
    std::vector<double> gain, offset;
  };
  static ChannelEffect DrawEffect(std::mt19937_64 rng, int channels,
                                  double gain_sd, double offset_max);
  void AddDebris(std::vector<float>* field, std::mt19937_64& rng) const;
  // Adds a Gaussian spot (in debris colour) within `reach` pixels of (cx, cy).
  void AddGlow(std::vector<float>* field, double cx, double cy, double sigma,
               double amplitude, int reach) const;
  void Crosstalk(std::vector<float>* field) const;
  void Illuminate(std::vector<float>* field) const;
  void PointSpread(std::vector<float>* field) const;

  TechnicalEffects effects_;
  uint64_t seed_;
  PlateLocation where_;
  int channels_, size_;
  ChannelEffect source_, batch_, plate_;
  double vignette_, vx_, vy_;
  bool defocused_;
  // The non-intensity effects of this plate.
  double blur_sigma_ = 0;
  std::vector<double> illumination_;  // [C, S, S] multiplicative field
  std::vector<double> bleed_;         // [C]: share of channel c-1 in c
  double density_ = 1, size_factor_ = 1;
  double debris_rate_ = 0, haze_ = 0;
  std::vector<double> debris_colour_;  // [C]
};

}  // namespace micon

#endif  // MICON_DATA_SYNTHETIC_TECHNIQUE_H_
