#include "data/data_quality.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/plate_reader.h"

namespace micon {
namespace {

using Severity = QualityFinding::Severity;

// Below half a grey level, the spread of integer pixels is no spread.
constexpr double kDegenerateStddev = 0.5;

std::string Field(const ImageRecord& r) {
  return absl::StrCat("well ", r.well, " site ", r.site);
}

// One channel of a plate, over its images.
struct ChannelTally {
  int64_t blank = 0, constant = 0, saturated = 0;
  std::string first_blank, first_constant, first_saturated;
  // Control pixels, shifted by the first one seen (less cancellation).
  double shift = 0, sum = 0, sum_squares = 0;
  int64_t control_pixels = 0;
};

void TallyImage(const uint16_t* pixels, int64_t count, uint16_t type_max,
                double saturated_share, const ImageRecord& record,
                ChannelTally* t) {
  const auto [lo, hi] = std::minmax_element(pixels, pixels + count);
  auto note = [&record](int64_t* n, std::string* first) {
    if ((*n)++ == 0) *first = Field(record);
  };
  if (*lo == *hi) {
    *hi == 0 ? note(&t->blank, &t->first_blank)
             : note(&t->constant, &t->first_constant);
  } else if (static_cast<double>(std::count(pixels, pixels + count, type_max)) >
             saturated_share * static_cast<double>(count)) {
    note(&t->saturated, &t->first_saturated);
  }
  if (!record.control) return;
  if (t->control_pixels == 0) t->shift = pixels[0];
  for (int64_t i = 0; i < count; ++i) {
    const double v = pixels[i] - t->shift;
    t->sum += v;
    t->sum_squares += v * v;
  }
  t->control_pixels += count;
}

}  // namespace

absl::StatusOr<std::vector<QualityFinding>> CheckPlatePixels(
    const PlateMetadata& plate, const PixelQualityLimits& limits) {
  MICON_ASSIGN_OR_RETURN(PlateReader reader, PlateReader::Open(plate.path));
  const PlateHeader& h = reader.metadata().header;
  const std::vector<ImageRecord>& images = reader.metadata().images;
  const int64_t channels = h.num_channels(), pixels = h.height * h.width;
  const int64_t n = static_cast<int64_t>(images.size());
  const uint16_t type_max = PixelTypeMax(h.pixel_type);
  std::vector<ChannelTally> tally(static_cast<size_t>(channels));
  std::vector<uint16_t> buffer(static_cast<size_t>(h.pixels_per_image()));
  int64_t controls = 0;
  for (int64_t i = 0; i < n; ++i) {
    MICON_RETURN_IF_ERROR(reader.ReadImage(i, buffer.data()));
    controls += images[i].control;
    for (int64_t c = 0; c < channels; ++c) {
      TallyImage(buffer.data() + c * pixels, pixels, type_max,
                 limits.saturated_share, images[i], &tally[c]);
    }
  }

  std::vector<QualityFinding> out;
  bool plate_blank = false;
  for (int64_t c = 0; c < channels; ++c) {
    const ChannelTally& t = tally[c];
    const std::string where =
        absl::StrCat(plate.path, ": channel ", h.channels[c], ": ");
    if (n > 0 && t.blank + t.constant == n) {
      plate_blank = true;
      out.push_back({Severity::kError,
                     absl::StrCat(where, "blank (", t.blank, ") or constant (",
                                  t.constant, ") in all ", n,
                                  " images: a failed acquisition? Remove the "
                                  "plate or re-image it")});
      continue;
    }
    if (t.blank > 0) {
      out.push_back({Severity::kWarning,
                     absl::StrCat(where, t.blank, " of ", n,
                                  " images blank (every pixel 0), first ",
                                  t.first_blank)});
    }
    if (t.constant > 0) {
      out.push_back({Severity::kWarning,
                     absl::StrCat(where, t.constant, " of ", n,
                                  " images constant (one value), first ",
                                  t.first_constant)});
    }
    if (t.saturated > 0) {
      out.push_back(
          {Severity::kWarning,
           absl::StrFormat("%s%d of %d images saturated (over %g%% of pixels "
                           "at %d), first %s",
                           where, t.saturated, n, 100 * limits.saturated_share,
                           type_max, t.first_saturated)});
    }
  }
  if (controls > 0 && !plate_blank) {
    std::vector<double> stddev;
    for (const ChannelTally& t : tally) {
      const double count = static_cast<double>(t.control_pixels);
      const double mean = t.sum / count;
      stddev.push_back(
          std::sqrt(std::max(0.0, t.sum_squares / count - mean * mean)));
    }
    absl::Status stats =
        CheckNormalizationStatistics(plate, stddev, controls, true);
    if (!stats.ok()) {
      out.push_back({Severity::kError, std::string(stats.message())});
    }
  }
  return out;
}

std::vector<QualityFinding> CheckReplicateWells(
    const std::vector<PlateMetadata>& plates) {
  std::map<std::string, std::set<std::pair<std::string, std::string>>> wells;
  for (const PlateMetadata& p : plates) {
    for (const ImageRecord& r : p.images) {
      if (!r.control) wells[r.compound].emplace(p.header.plate, r.well);
    }
  }
  std::vector<std::string> single;
  for (const auto& [compound, where] : wells) {
    if (where.size() == 1) {
      single.push_back(absl::StrCat(compound, " (plate ", where.begin()->first,
                                    " well ", where.begin()->second, ")"));
    }
  }
  if (single.empty()) return {};
  const size_t shown = std::min<size_t>(single.size(), 10);
  return {
      {Severity::kWarning,
       absl::StrCat("dataset /compound: ", single.size(), " of ", wells.size(),
                    " compound(s) in a single well of the ", plates.size(),
                    " plate(s), with no replicate to pair with: ",
                    absl::StrJoin(single.begin(), single.begin() + shown, ", "),
                    single.size() > shown ? ", ..." : "")}};
}

absl::Status CheckNormalizationStatistics(const PlateMetadata& plate,
                                          const std::vector<double>& stddev,
                                          int64_t images, bool controls) {
  std::vector<std::string> flat;
  for (size_t c = 0; c < stddev.size(); ++c) {
    if (stddev[c] < kDegenerateStddev) {
      flat.push_back(absl::StrFormat("%s (std %.3g)", plate.header.channels[c],
                                     stddev[c]));
    }
  }
  if (flat.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      plate.path, ": the ", images, controls ? " control (DMSO)" : "",
      " image(s) the plate is normalised by vary by less than half a grey "
      "level in channel(s) ",
      absl::StrJoin(flat, ", "),
      ": degenerate statistics (a blank or failed acquisition?); remove the "
      "plate or re-image it"));
}

bool AnyFatal(const std::vector<QualityFinding>& findings, bool strict) {
  return std::any_of(findings.begin(), findings.end(),
                     [strict](const QualityFinding& f) {
                       return strict || f.severity == Severity::kError;
                     });
}

}  // namespace micon
