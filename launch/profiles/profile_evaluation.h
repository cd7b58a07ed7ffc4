// profile_evaluation.h: how good a set of well profiles is, by the field's
// metrics: percent replicating, mAP (replicates against DMSO, and against
// other compounds) and compound-replicate top-k matching (all wells, NSB,
// NSS). One function for every kind of profile: CellProfiler, micon
// embeddings, hand-crafted features.
//
//   EvaluationOptions o;  o.compound_column = "Metadata_broad_sample";
//   o.controls = {"Metadata_pert_type", "control"};
//   MICON_ASSIGN_OR_RETURN(Evaluation e, EvaluateProfiles(frame, o));
//   e.metrics  // {"percent_replicating", 0.46}, {"map_vs_dmso", ...}, ...
//
// No n x n matrix is held: similarities are computed in tiles that fit the
// memory budget, and each tile is reduced at once
// (core/metrics/streamed_replicate_ranks.h, StreamPercentReplicating).
//
// Steps: optional per-plate (or batch, source) normalisation fitted on the
// control wells, feature selection and ZCA sphering
// (core/metrics/profile_normalization.h, core/metrics/feature_selection.h);
// then
//  - percent replicating: Pearson over all wells, controls included, pairs
//    grouped by `replicate_groups` (cytominer-eval's convention);
//  - mAP: each treated well queries with cosine similarity; positives are the
//    other wells of its compound; negatives the control wells ("vs_dmso") or
//    the wells of other compounds ("vs_compounds"). Per compound: mAP, a
//    permutation p-value, Benjamini-Hochberg; reported as the mean mAP over
//    compounds and the fraction retrieved (corrected p < 0.05);
//  - top-k: treated wells against treated wells by cosine; "all" excludes
//    only the query itself, "nsb"/"nss" also its batch/source (computed when
//    the column exists and has at least two values);
//  - phenotypic consistency, when a column annotates the compounds (their
//    mechanism of action, target): consensus profiles of compounds sharing
//    a label retrieve each other (phenotypic_consistency.h);
//  - predicted profiles (rows marked in `predicted_column`, normalised with
//    their plate's real controls): top-k of finding a real well of the
//    predicted compound among all real treated wells, beside the top-k that
//    chance gives (1 - C(n - m, k) / C(n, k) for m such wells of n).
#ifndef MICON_LAUNCH_PROFILES_PROFILE_EVALUATION_H_
#define MICON_LAUNCH_PROFILES_PROFILE_EVALUATION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/metrics/average_precision.h"
#include "core/metrics/feature_selection.h"
#include "core/metrics/profile_normalization.h"
#include "core/metrics/shard_reducer.h"
#include "core/metrics/similarity_tiles.h"
#include "data/profile_frame.h"
#include "launch/profiles/evaluation_budget.h"
#include "launch/profiles/phenotypic_consistency.h"

namespace micon {

struct EvaluationOptions {
  std::string compound_column = profile_columns::kCompound;
  // A row is a control when this column has this value ("1" also matches
  // "true"/"True" for micon's own Metadata_Control).
  std::pair<std::string, std::string> controls = {profile_columns::kControl,
                                                  "1"};
  std::string plate_column = profile_columns::kPlate;
  std::string batch_column = profile_columns::kBatch;
  std::string source_column = profile_columns::kSource;
  NormalizeMethod normalize = NormalizeMethod::kNone;
  std::string normalize_by = profile_columns::kPlate;
  bool sphere = false;
  // Empty: one ZCA transform fitted on every control well; a column (plate,
  // batch): one per group, fitted on its own control wells, as the MICON
  // paper spheres per plate.
  std::string sphere_by;
  // pycytominer-style feature selection after normalisation, before
  // sphering (core/metrics/feature_selection.h); off by default.
  bool feature_select = false;
  FeatureSelectOptions selection;
  std::vector<std::string> replicate_groups;  // empty: {compound_column}
  // Rows with "1" here are a generator's predicted profiles: they are kept
  // out of every other metric and scored as queries against the real
  // treated wells (predicted_topK, beside predicted_chance_topK).
  std::string predicted_column = profile_columns::kPredicted;
  // When not empty, only treated wells of these compounds are scored,
  // against each other and the controls: e.g. the compounds a model never saw
  // in training. Predictions still rank all real treated wells.
  std::set<std::string> only_compounds;
  // When not empty, only treated wells on these plates query (mAP and top-k),
  // as in the MICON paper's protocol (e.g. screen.json's held_out_plates,
  // wells of batches and sources training never saw); every well stays a
  // candidate, minus the query's batch or source for NSB and NSS.
  std::set<std::string> query_plates;
  // Phenotypic consistency: the compounds' annotation columns (e.g.
  // Metadata_moa, Metadata_target_list), each scored on its own after one
  // sweep of the replicate metrics; empty: not computed. Labels are split on
  // the separator ("EGFR inhibitor|HER2 inhibitor"); with
  // `consistency_active_only`, only the compounds retrieved against DMSO take
  // part (the JUMP papers' practice: an inactive compound's profile is noise).
  std::vector<std::string> consistency_columns;
  // Where the columns are read: empty, the profiles' own metadata; else one
  // per consistency column, from an annotation table beside them (e.g.
  // JUMP's compound TSV), keyed by the compound column's values.
  std::vector<CompoundAnnotations> annotations;
  std::string consistency_separator = "|";
  bool consistency_active_only = false;
  std::vector<int> top_k = {1, 5, 10};
  int64_t null_size = 10000;
  uint64_t seed = 0;
  // What the evaluation may hold in memory (features, per-well state and one
  // similarity tile); bytes 0: DefaultMemoryBudget(1) (evaluation_budget.h).
  MemoryBudget memory;
  // The similarity tiles' precision. Results are the same in either: every
  // decision is made on exact float64 values (similarity_tiles.h); float32
  // tiles are about twice as fast.
  TilePrecision tile_precision = TilePrecision::kFloat32;
  int64_t tile = 0;  // rows per tile; 0: the largest the memory allows
  // Percent replicating sweeps the Pearson tiles once (twice when its
  // one-pass window misses): on a screen of 10^6 wells that is about half the
  // time, so it can be left out.
  bool percent_replicating = true;
  // A progress line on stderr at most this often during each sweep over the
  // similarity tiles (rank 0); 0: none.
  double progress_seconds = 60;
};

struct Metric {
  std::string name;
  double value = 0;
};

struct Evaluation {
  std::vector<Metric> metrics;
  std::vector<GroupMap> map_vs_dmso;       // per compound
  std::vector<GroupMap> map_vs_compounds;  // per compound
  // Per compound: top-k metric name (top1_nsb, ...) -> the share of the
  // compound's scored query wells that hit; a compound none of whose queries
  // could be scored is absent.
  std::map<std::string, std::map<std::string, double>> top_k_per_compound;
  // Phenotypic consistency, one per options.consistency_columns, in order.
  std::vector<std::string> consistency_columns;
  std::vector<Consistency> consistency;
  int64_t treated_wells = 0;
  int64_t query_wells = 0;  // treated wells that query (all without plates)
  int64_t control_wells = 0;
  int64_t compounds = 0;
  int64_t predicted_queries = 0;  // predictions with a real well to find
  int64_t tile = 0;               // rows per similarity tile
  // Sphering groups (options.sphere_by values; "all wells" without it) ->
  // their control wells, where those are no more than the features: the
  // controls' covariance is then singular, and ZCA scales each direction they
  // do not span by 1/sqrt(epsilon), which can swamp every profile.
  std::map<std::string, int64_t> singular_sphere_groups;
};

// What tells column `c`'s consistency metrics and files apart: nothing when
// it is the only consistency column (consistency_map,
// consistency_NAME.csv), else "_" and its name (consistency_map_Metadata_moa,
// consistency_NAME_Metadata_moa.csv).
std::string ConsistencySuffix(const std::vector<std::string>& columns,
                              size_t c);

absl::StatusOr<Evaluation> EvaluateProfiles(const ProfileFrame& frame,
                                            const EvaluationOptions& options);
// Under mpirun: every rank passes the whole table and visits its share of
// the similarity tiles; `shards` combines the counts, and every rank returns
// the one-process result (core/metrics/shard_reducer.h).
absl::StatusOr<Evaluation> EvaluateProfiles(const ProfileFrame& frame,
                                            const EvaluationOptions& options,
                                            ShardReducer& shards);

// The features as the metrics see them: options.normalize per
// options.normalize_by group (fitted on the `control` rows), feature
// selection (fitted on the `real` rows), then sphering (fitted on the
// `control` rows, per options.sphere_by group when set). When
// `singular_sphere_groups` is given, it receives the sphering groups whose
// control covariance is singular (see Evaluation).
absl::StatusOr<at::Tensor> NormalizedFeatures(
    const ProfileFrame& frame, const std::vector<bool>& control,
    const std::vector<bool>& real, const EvaluationOptions& o,
    std::map<std::string, int64_t>* singular_sphere_groups = nullptr);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_PROFILE_EVALUATION_H_
