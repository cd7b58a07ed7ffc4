// well_profiles.h: a plate store turned into one profile per well, computed
// by every rank on its own plates and gathered on rank 0.
//
//   ModelProfiler profiler(...);                // or HandcraftedProfiler
//   MICON_ASSIGN_OR_RETURN(WellProfiles p,
//       BuildWellProfiles(store, profiler, comm, {.predict = held_out}));
//   WriteProfileFrame(p.wells, "profiles.csv");   // rank 0
//   // or, for a screen too large to hold: options.sink = &files
//   // (well_profile_files.h) writes the rows as they are gathered.
//
// Each rank reads only its shard of plates (plate_sharding.h), describes
// every image (a learned embedding h, or hand-crafted features), reduces the
// images of a well to its profile (mean or median), and, for profilers with a
// counterfactual generator, predicts a profile for each requested compound on
// each plate that holds it, from that plate's control images. The rows are
// gathered to rank 0 in plate order. Row metadata is a pure function of the
// store, so only numbers travel.
//
// Columns (pandas, pycytominer and copairs read them unchanged):
//   Metadata_Source, Metadata_Batch, Metadata_Plate, Metadata_Well,
//   Metadata_Compound, Metadata_SMILES (empty for controls not in
//   compounds.csv), Metadata_Control (1 for DMSO), Metadata_Images (fields
//   aggregated), then one column per annotation of compounds.csv
//   (Metadata_moa for a column moa; CarriedColumnNames), empty for wells whose
//   compound it does not list, then the features. Predicted rows have
//   Metadata_Well "predicted", Metadata_Control 0 and Metadata_Predicted 1,
//   and Metadata_Images counts the control images they were predicted from.
#ifndef MICON_LAUNCH_PROFILES_WELL_PROFILES_H_
#define MICON_LAUNCH_PROFILES_WELL_PROFILES_H_

#include <ATen/core/Tensor.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/metrics/well_aggregation.h"
#include "data/normalized_plate.h"
#include "data/plate_store.h"
#include "data/profile_frame.h"
#include "distributed/communicator.h"

namespace micon {

// What turns images into vectors.
class ImageProfiler {
 public:
  virtual ~ImageProfiler() = default;
  virtual std::vector<std::string> FeatureNames() const = 0;
  // [images.size(), FeatureNames().size()] for the plate's images.
  virtual absl::StatusOr<at::Tensor> Describe(
      const NormalizedPlate& plate, const std::vector<int64_t>& images) = 0;
  virtual bool CanPredict() const { return false; }
  // [compounds.size(), D]: for each compound, the mean over the control
  // images of the generator's predicted treated vector. Only called when
  // CanPredict().
  virtual absl::StatusOr<at::Tensor> Predict(
      const at::Tensor& control_vectors,
      const std::vector<std::string>& compounds);
};

// What turns whole wells into vectors: a model over a well's fields (the
// cross-channel encoder of cellclip), not an aggregate of per-field vectors.
class WellProfiler {
 public:
  virtual ~WellProfiler() = default;
  virtual std::vector<std::string> FeatureNames() const = 0;
  // [fields.size(), FeatureNames().size()]: row w from the plate's images
  // fields[w] (indices into plate.images), one well each.
  virtual absl::StatusOr<at::Tensor> DescribeWells(
      const PlateMetadata& plate,
      const std::vector<std::vector<int64_t>>& fields) = 0;
};

// Where rank 0 puts the wells' features as the gather delivers them, instead
// of holding them all (well_profile_files.h writes them to disk as they come).
class WellRowSink {
 public:
  virtual ~WellRowSink() = default;
  // Once, before any row: every well's metadata and the feature names (no
  // features). `wells` stays alive and unchanged until the last Append.
  virtual absl::Status Start(const ProfileFrame& wells) = 0;
  // The next wells' features, [k, features] float64, in row order; every
  // row arrives exactly once.
  virtual absl::Status Append(const at::Tensor& rows) = 0;
};

struct WellProfileOptions {
  Aggregation aggregation = Aggregation::kMean;
  // Compounds to predict on every plate that holds them (needs a profiler
  // that CanPredict()).
  std::set<std::string> predict;
  int64_t images_per_call = 64;  // images described per Describe call
  // The pixel statistics the images are read with (dataset statistics are
  // computed from the store when not filled in).
  PixelNormalizationOptions normalization;
  // Called after each of this rank's plates with a line such as
  // "embedded plate P1 (3/8 of this rank's plates, 192 fields, 4.1 s)".
  std::function<void(const std::string&)> progress;
  // How much of the others' rows a rank receives at once (whole plates; at
  // least one): rank 0 gathers the profiles in blocks of this size.
  int64_t gather_block_bytes = int64_t{64} << 20;
  // Rank 0's destination for the wells' features (other ranks ignore it):
  // with one, rank 0 holds one block of them at a time, not all. Its errors
  // are returned after the gather, which every rank completes regardless.
  WellRowSink* sink = nullptr;
};

struct WellProfiles {
  // On rank 0; empty elsewhere. With a sink, no features (the sink had them).
  ProfileFrame wells;
  ProfileFrame predicted;  // rank 0, when any prediction was asked for
};

// FailedPrecondition when `predict` is not empty and `profiler` has no
// trained generator to predict with.
absl::Status CheckCanPredict(const ImageProfiler& profiler,
                             const std::set<std::string>& predict);

// h_0 .. h_{dim-1}, the feature names of every model's profile.
std::vector<std::string> EmbeddingFeatureNames(int64_t dim);

// The profile columns micon writes itself, Metadata_Predicted included: the
// metadata of an input that a profile carries is every other column.
std::vector<std::string> ProfileColumnNames(bool predicted);

// The profile columns that carry `names` (a compound table's annotations, or
// a profile table's other metadata): "Metadata_" + name, or the name itself
// when it has that prefix, with '/' written '_' (profiles.h5 names a dataset
// by each column); one that would be a column micon writes, or an earlier one
// of `names`, becomes "Metadata_compound_" + name (repeated until it is
// free), so nothing is overwritten or lost.
std::vector<std::string> CarriedColumnNames(
    const std::vector<std::string>& names);

// An empty frame with micon's profile columns (and Metadata_Predicted when
// `predicted`), then `carried` (from CarriedColumnNames), for
// `feature_names`.
ProfileFrame NewProfileFrame(const std::vector<std::string>& feature_names,
                             bool predicted,
                             const std::vector<std::string>& carried = {});
// Appends one row's metadata (the caller sets the features); a predicted
// frame's row gets Metadata_Predicted 1. `carried` holds the row's values of
// the frame's carried columns, in order; columns it does not reach are left
// empty.
void AddProfileRow(ProfileFrame& frame, const PlateHeader& plate,
                   const std::string& well, const std::string& compound,
                   const CompoundTable& compounds, bool control, int64_t images,
                   const std::vector<std::string>& carried = {});

// Collective: every rank calls it with the same store and options.
absl::StatusOr<WellProfiles> BuildWellProfiles(
    const PlateStore& store, ImageProfiler& profiler, Communicator& comm,
    const WellProfileOptions& options);
// The same rows from a profiler of whole wells (Metadata_Images counts the
// fields each well was described from); no predictions, no pixel options.
absl::StatusOr<WellProfiles> BuildWellProfiles(
    const PlateStore& store, WellProfiler& profiler, Communicator& comm,
    const WellProfileOptions& options);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_WELL_PROFILES_H_
