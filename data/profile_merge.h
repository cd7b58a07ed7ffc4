// profile_merge.h: many profile files as one table. CellProfiler profiles
// come one file per plate (pycytominer's
// <plate>_normalized_feature_select_negcon_plate.csv.gz), so a screen of
// 1,000 plates is 1,000 files, while micon evaluate, embed and train read one
// table. MergeProfileFiles writes them as one profile file, holding every
// row's metadata and one block of an input's features (64 MiB) at a time, so
// it also turns one large CSV into the HDF5 that readers take in slabs.
//
//   ProfileMergeOptions options;
//   options.features = FeatureAlignment::kCommon;
//   MICON_ASSIGN_OR_RETURN(ProfileMergeSummary s,
//       MergeProfileFiles({"p1.csv.gz", "p2.csv.gz"}, "screen.h5", options));
//
// Each input is read twice: once for its metadata and feature names, then
// once for its features, a block of rows at a time, each block written as it
// is read (HDF5 for a name ending in .h5 or .hdf5, else CSV;
// profile_frame_writer.h) less the rows ProfileMergeOptions::metadata leaves
// out. The rows keep the
// inputs' order. The metadata columns are the union of the inputs', in order
// of first appearance, empty where an input lacks one (as ConcatenateRows).
#ifndef MICON_DATA_PROFILE_MERGE_H_
#define MICON_DATA_PROFILE_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/enum_names.h"
#include "data/profile_metadata_mapping.h"

namespace micon {

// Which features the merged table has when the inputs' differ, as
// pycytominer's per-plate feature selection makes them differ.
enum class FeatureAlignment {
  // Every input has the first's features, in any order; any other input is
  // an error naming it and the features that differ.
  kSame,
  // The features every input has, in the first input's order; the others are
  // dropped and listed in the summary.
  kCommon,
};
inline constexpr EnumName<FeatureAlignment> kFeatureAlignmentNames[] = {
    {"same", FeatureAlignment::kSame},
    {"common", FeatureAlignment::kCommon},
};

struct ProfileMergeOptions {
  FeatureAlignment features = FeatureAlignment::kSame;
  // Applied to the merged metadata before anything is written; the rows it
  // leaves out are not written.
  MetadataMapping metadata;
  // The most of an input's features held at once, as float64 (at least one
  // row).
  int64_t block_bytes = int64_t{64} << 20;
  // Called after each input of each pass (1: metadata, 2: features) with the
  // number of inputs done; for progress lines.
  std::function<void(int pass, size_t done, size_t inputs)> on_input;
};

struct ProfileMergeSummary {
  int64_t rows = 0;                        // written
  RowsLeftOut left_out;                    // by options.metadata
  std::vector<JoinSummary> joins;          // by options.metadata
  std::vector<std::string> feature_names;  // as written
  // Features some input has that the merged table does not (kCommon), in
  // order of first appearance.
  std::vector<std::string> dropped_features;
  std::vector<std::string> metadata_names;  // as written
  // Metadata columns some inputs lack, each with how many lack it.
  std::vector<std::pair<std::string, size_t>> partial_metadata;
};

// Up to `shown` of `names`, then how many more: "a, b (and 3 more)". For
// errors and summaries that name features.
std::string NamesInBrief(const std::vector<std::string>& names,
                         size_t shown = 5);

// Merges `inputs` (profile files, profile_frame.h) into `output`, which is
// written atomically and may not be one of them. Besides every error of the
// readers, it refuses: no inputs; a column named twice in one input; features
// that do not align as `options` asks, or none in common; and a plate
// (Metadata_Plate, after any rename) found in two inputs, which is nearly always one plate's
// profiles given twice (two of pycytominer's stages of it, say).
absl::StatusOr<ProfileMergeSummary> MergeProfileFiles(
    const std::vector<std::string>& inputs, const std::string& output,
    const ProfileMergeOptions& options);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_MERGE_H_
