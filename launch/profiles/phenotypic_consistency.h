// phenotypic_consistency.h: do compounds that share a mechanism of action (or
// a target) have similar profiles? The JUMP consortium's "phenotypic
// consistency", with copairs' multilabel mAP:
//  - each compound's consensus profile is the median of its treated wells
//    (pycytominer's consensus);
//  - a compound's annotation (e.g. Metadata_moa, "EGFR inhibitor|HER2
//    inhibitor") is split on a separator into labels;
//  - for each label of a compound that another compound also carries, the
//    compound queries: positives are the other compounds with that label,
//    negatives the compounds sharing no label with it, ranked by cosine
//    similarity (core/metrics/streamed_label_ranks.h);
//  - per label: mAP over its compounds, a permutation p-value,
//    Benjamini-Hochberg over the labels (core/metrics/average_precision.h).
//
//   MICON_ASSIGN_OR_RETURN(CompoundAnnotations moa, AnnotationsOfWells(frame,
//       rows, "Metadata_broad_sample", "Metadata_moa"));
//   CompoundLabels a = LabelCompounds(moa, compounds_of_rows, "|");
//   Consistency c = ScoreConsistency(x, rows, compound_of_row, a,
//                                    {.null_size = 10000}, tiles, shards);
//
// Compounds whose annotation is empty or a missing-value marker (NA, nan,
// None, ...: pandas' defaults) take no part; a compound annotated twice with
// different values is an error naming both places.
#ifndef MICON_LAUNCH_PROFILES_PHENOTYPIC_CONSISTENCY_H_
#define MICON_LAUNCH_PROFILES_PHENOTYPIC_CONSISTENCY_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/metrics/average_precision.h"
#include "core/metrics/shard_reducer.h"
#include "core/metrics/similarity_tiles.h"
#include "data/profile_frame.h"

namespace micon {

// Compound -> its annotation text ("EGFR inhibitor|HER2 inhibitor").
using CompoundAnnotations = std::map<std::string, std::string>;

// From the profiles themselves: `column` of the compounds of `rows`; every
// well of a compound must carry the same value.
absl::StatusOr<CompoundAnnotations> AnnotationsOfWells(
    const ProfileFrame& frame, const std::vector<int64_t>& rows,
    const std::string& compound_column, const std::string& column);

// From a table beside them (a plate store's compounds.csv, JUMP's compound
// metadata TSV), read once: each of `columns`, in order, keyed by
// `key_column`; a key given twice must carry the same value.
absl::StatusOr<std::vector<CompoundAnnotations>> ReadAnnotationTable(
    const std::string& path, const std::string& key_column,
    const std::vector<std::string>& columns);

struct CompoundLabels {
  std::vector<std::string> compounds;        // annotated, sorted
  std::vector<std::vector<int64_t>> labels;  // per compound: ids into names
  std::vector<std::string> names;            // the labels, sorted
  int64_t unannotated = 0;                   // compounds left out
};

// The labels of `compounds`: each one's annotation split on `separator`
// (empty: one label per value), parts trimmed. A compound without an
// annotation, or with only missing-value markers, is counted as unannotated.
CompoundLabels LabelCompounds(const CompoundAnnotations& annotations,
                              const std::set<std::string>& compounds,
                              const std::string& separator);

// The annotated compounds of `labels` that `keep` holds.
CompoundLabels KeepCompounds(const CompoundLabels& labels,
                             const std::set<std::string>& keep);

// One compound's ranking for one of its labels: which compounds of a
// mechanism are the outliers.
struct CompoundLabelAp {
  std::string compound;
  std::string label;
  double ap = 0;
  int64_t positives = 0;   // other compounds with the label
  int64_t candidates = 0;  // positives and the compounds sharing no label
};

struct Consistency {
  std::vector<GroupMap> labels;          // per label shared by 2+ compounds
  std::vector<CompoundLabelAp> queries;  // compounds ascending, then labels
  int64_t compounds = 0;                 // annotated compounds ranked
  int64_t querying = 0;                  // those with a label another one has
  int64_t unannotated = 0;               // compounds without an annotation
};

// `x`: the normalised features of every row; `rows`: the treated wells whose
// median makes each compound's consensus; `compound` per row of `x`.
Consistency ScoreConsistency(const at::Tensor& x,
                             const std::vector<int64_t>& rows,
                             const std::vector<std::string>& compound,
                             const CompoundLabels& labels,
                             const MapOptions& map, const TileOptions& tiles,
                             ShardReducer& shards);

// Bytes ScoreConsistency holds beside the wells' features: the consensus
// profiles (as ranked: float64, unit rows, the tiles' copy) and the queries'
// state.
int64_t ConsistencyBytes(const CompoundLabels& labels, int64_t features,
                         TilePrecision precision);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_PHENOTYPIC_CONSISTENCY_H_
