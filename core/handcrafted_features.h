// handcrafted_features.h: a CellProfiler-like feature vector for one field of
// view, the classical baseline that learned profiles are compared against.
//
//   std::vector<std::string> names = HandcraftedFeatureNames({"DNA", "ER"});
//   at::Tensor f = HandcraftedFeatures(raw_image, {});   // [names.size()]
//
// Measured on the pixel values given: `micon embed --handcrafted` gives raw
// counts by default (as CellProfiler measures them; batch correction is the
// profiles' normalisation step), or the normalised pixels a model is given
// (--pixel-normalization). Per channel:
//   Intensity_{Mean,Std,Q05,Q25,Median,Q75,Q95,Skewness}
//   Texture_{Gradient,LaplacianStd}         mean Sobel-free central-difference
//                                           gradient magnitude; std of the
//                                           4-neighbour Laplacian
//   Texture_{Contrast,Homogeneity,Energy,Correlation,Entropy}
//                                           Haralick statistics of the
//                                           symmetric grey-level co-occurrence
//                                           matrix (horizontal + vertical
//                                           neighbours, `texture_levels`
//                                           levels between the 1st and 99th
//                                           percentile)
//   Foreground_{Fraction,MeanIntensity}     above the channel's Otsu threshold
//   Nuclei_{MeanIntensity,IntensityRatio}   inside the nuclei mask, and its
//                                           ratio to the mean outside it
// then, from the nucleus channel (Otsu mask, 4-connected components of at
// least `min_nucleus_area` pixels): Nuclei_{Count,AreaMean,AreaMedian,AreaStd},
// and Correlation_<a>_<b>, the Pearson correlation of every channel pair.
// Degenerate cases (a flat channel, no nuclei) give 0, never NaN.
#ifndef MICON_CORE_HANDCRAFTED_FEATURES_H_
#define MICON_CORE_HANDCRAFTED_FEATURES_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace micon {

struct HandcraftedOptions {
  int64_t nucleus_channel = 0;  // index of the DNA stain
  int64_t texture_levels = 8;
  int64_t min_nucleus_area = 4;  // pixels; smaller objects are noise
};

// The feature names, in the order HandcraftedFeatures returns them.
std::vector<std::string> HandcraftedFeatureNames(
    const std::vector<std::string>& channels);

// `image` [C, H, W] (any float or integer type, H and W at least 3); returns
// float64 [HandcraftedFeatureNames(C channels).size()].
at::Tensor HandcraftedFeatures(const at::Tensor& image,
                               const HandcraftedOptions& options);

// The threshold that maximises the between-class variance of `values`'
// 256-bin histogram (Otsu 1979); values above it are foreground. A constant
// input returns its value.
double OtsuThreshold(const at::Tensor& values);

// The 4-connected components of `mask` [H, W] bool, numbered 1, 2, ... in
// raster order of their first pixel: `labels` [H, W] int64 (0 = background)
// and each one's size in pixels.
struct Components {
  at::Tensor labels;
  std::vector<int64_t> areas;  // areas[k - 1] for label k
};
Components LabelComponents(const at::Tensor& mask);

}  // namespace micon

#endif  // MICON_CORE_HANDCRAFTED_FEATURES_H_
