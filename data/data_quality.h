// data_quality.h: what is wrong with a plate store's contents when its format
// is right: what a failed acquisition or a thin plate layout leaves, which
// trains without a word unless someone looks.
//
//   MICON_ASSIGN_OR_RETURN(std::vector<QualityFinding> f,
//                          CheckPlatePixels(plate));          // micon inspect
//   std::vector<QualityFinding> r = CheckReplicateWells(plates); // and train
//
// Findings, each naming the file, the field (channel, compound) and a count:
//  - error: a channel blank (all 0) or constant in every image of a plate (a
//    failed acquisition), and DMSO statistics that are degenerate: the
//    control pixels of a channel vary by less than half a grey level, so
//    normalising by them (normalized_plate.h, which refuses such a plate)
//    would divide by noise;
//  - warning: single images with a blank or constant channel; saturated
//    images (more than `saturated_share` of a channel's pixels at the pixel
//    type's maximum); compounds in one well of the plates (no replicate to
//    pair with: PaCLR's positives and the replicate metrics need two).
// `micon inspect --strict` and `micon train --strict` make warnings errors.
#ifndef MICON_DATA_DATA_QUALITY_H_
#define MICON_DATA_DATA_QUALITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/plate.h"

namespace micon {

struct QualityFinding {
  enum class Severity { kWarning, kError };
  Severity severity;
  std::string message;
};

struct PixelQualityLimits {
  double saturated_share = 0.01;
};

// Reads every image of the plate at `plate.path`.
absl::StatusOr<std::vector<QualityFinding>> CheckPlatePixels(
    const PlateMetadata& plate, const PixelQualityLimits& limits = {});

// Metadata only: treated compounds that occupy a single well of `plates`.
std::vector<QualityFinding> CheckReplicateWells(
    const std::vector<PlateMetadata>& plates);

// The degenerate-DMSO test: an error naming the plate file, every channel
// whose standard deviation over `images` sampled images (controls when
// `controls`, else any) is below half a grey level, and the count.
absl::Status CheckNormalizationStatistics(const PlateMetadata& plate,
                                          const std::vector<double>& stddev,
                                          int64_t images, bool controls);

// Whether any finding is an error (or, when `strict`, whether there is any).
bool AnyFatal(const std::vector<QualityFinding>& findings, bool strict);

}  // namespace micon

#endif  // MICON_DATA_DATA_QUALITY_H_
