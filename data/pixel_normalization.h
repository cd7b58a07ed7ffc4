// pixel_normalization.h: the choice of per-channel pixel statistics every
// image path uses (normalized_plate.h applies it), as a typed value for the
// configuration and the flags.
#ifndef MICON_DATA_PIXEL_NORMALIZATION_H_
#define MICON_DATA_PIXEL_NORMALIZATION_H_

#include "core/enum_names.h"

namespace micon {

enum class PixelNormalization { kPlateControls, kDataset, kNone };
inline constexpr EnumName<PixelNormalization> kPixelNormalizationNames[] = {
    {"plate_controls", PixelNormalization::kPlateControls},
    {"dataset", PixelNormalization::kDataset},
    {"none", PixelNormalization::kNone}};

}  // namespace micon

#endif  // MICON_DATA_PIXEL_NORMALIZATION_H_
