// synthetic_cells.h: how the synthetic screen draws one field of view of cells
// from a phenotype (synthetic_screen.h explains the model).
//
//   const CellMorphology m = MorphologyFor(phenotype, /*image_size=*/64);
//   std::vector<float> field;  // [C, S, S], intensities around 0-2
//   RenderField(m, channels, 64, rng, &field);
#ifndef MICON_DATA_SYNTHETIC_CELLS_H_
#define MICON_DATA_SYNTHETIC_CELLS_H_

#include <random>
#include <string>
#include <vector>

namespace micon {

struct CellMorphology {
  double nucleus_radius = 4;
  double elongation = 0;  // 0 = round
  double cell_radius_factor = 2.2;
  double cells_per_field = 12;
  double stain_gain[5] = {1, 1, 1, 1, 1};  // DNA, ER, RNA, AGP, Mito
  double er_frequency = 1.2;  // radians per pixel of the reticular texture
  double mito_puncta = 8;     // mean puncta per cell
};

// The morphology a phenotype (kPhenotypeDim values, 0 = DMSO-like) produces at
// this size.
CellMorphology MorphologyFor(const std::vector<double>& phenotype,
                             int image_size);

// Draws a field of cells; channels are matched by name (DNA, ER, RNA, AGP,
// Mito; any other name gets a plain cytoplasmic stain).
void RenderField(const CellMorphology& m,
                 const std::vector<std::string>& channels, int size,
                 std::mt19937_64& rng, std::vector<float>* field);

}  // namespace micon

#endif  // MICON_DATA_SYNTHETIC_CELLS_H_
