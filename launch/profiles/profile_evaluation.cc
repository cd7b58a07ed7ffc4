#include "launch/profiles/profile_evaluation.h"

#include <torch/torch.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/metrics/feature_selection.h"
#include "core/metrics/percent_replicating.h"
#include "core/metrics/profile_similarity.h"
#include "core/metrics/replicate_matching.h"
#include "core/metrics/streamed_replicate_ranks.h"
#include "core/status_macros.h"
#include "launch/profiles/evaluation_budget.h"
#include "launch/profiles/tile_progress.h"

namespace micon {
namespace {

bool IsControlValue(const std::string& value, const std::string& wanted) {
  if (value == wanted) return true;
  return wanted == "1" && absl::AsciiStrToLower(value) == "true";
}

// Dense ids for the distinct values of a column, in order of appearance.
std::vector<int64_t> Ids(const std::vector<std::string>& values) {
  std::map<std::string, int64_t> id;
  std::vector<int64_t> out;
  for (const std::string& v : values) {
    out.push_back(
        id.try_emplace(v, static_cast<int64_t>(id.size())).first->second);
  }
  return out;
}

double Mean(const std::vector<GroupMap>& groups, bool retrieved) {
  if (groups.empty()) return 0;
  double sum = 0;
  for (const GroupMap& g : groups) sum += retrieved ? g.retrieved : g.map;
  return sum / static_cast<double>(groups.size());
}

// Each group's number of control rows.
std::map<std::string, int64_t> ControlsPerGroup(
    const std::vector<std::string>& group, const std::vector<bool>& control) {
  std::map<std::string, int64_t> controls_in;
  for (size_t r = 0; r < group.size(); ++r) controls_in[group[r]] += control[r];
  return controls_in;
}

// `column` of `frame` when each of its groups holds at least `minimum`
// control rows; otherwise an error naming the file, the column and the group:
// "<path>: <column> <group> has <shortfall(count)>".
absl::StatusOr<const std::vector<std::string>*> GroupsWithControls(
    const ProfileFrame& frame, const std::string& column,
    const std::vector<bool>& control, int64_t minimum,
    const std::function<std::string(int64_t)>& shortfall) {
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* by,
                         frame.Column(column));
  for (const auto& [group, count] : ControlsPerGroup(*by, control)) {
    if (count < minimum) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.path, ": ", column, " ", group, " has ", shortfall(count)));
    }
  }
  return by;
}

// A controls value that matches no row would silently score the control
// wells as one more compound and drop every metric against them; a treated
// row without a compound would join every other such row as one compound.
absl::Status CheckLabels(const ProfileFrame& frame,
                         const EvaluationOptions& o) {
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* control_text,
                         frame.Column(o.controls.first));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* compound,
                         frame.Column(o.compound_column));
  std::vector<size_t> treated;
  for (size_t r = 0; r < control_text->size(); ++r) {
    if (!IsControlValue((*control_text)[r], o.controls.second)) {
      treated.push_back(r);
    }
  }
  if (treated.size() < control_text->size() || treated.empty()) {
    for (size_t r : treated) {
      if ((*compound)[r].empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(frame.Where(static_cast<int64_t>(r)),
                         ": a treated well with an empty ", o.compound_column));
      }
    }
    return absl::OkStatus();
  }
  const std::set<std::string> values(control_text->begin(),
                                     control_text->end());
  std::vector<std::string> shown;
  for (const std::string& v : values) {
    if (shown.size() == 10) {
      shown.push_back(absl::StrCat("... (", values.size(), " values)"));
      break;
    }
    shown.push_back(v.empty() ? "(empty)" : v);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(frame.path, ": controls ", o.controls.first, "=",
                   o.controls.second, " match no row; ", o.controls.first,
                   " holds ", absl::StrJoin(shown, ", ")));
}

// The tile size: the largest whose buffers fit in the memory budget beside
// what the evaluation holds anyway: the table as read (the normalised
// features share it when nothing normalises), the unit rows in float64 with
// one temporary of their size, their copy in the tiles' precision, each
// query's state, and percent replicating's when it runs.
absl::StatusOr<TileOptions> PlanTiles(const ProfileFrame& frame,
                                      const at::Tensor& x,
                                      const RankRoles& roles,
                                      const std::vector<std::string>& keys,
                                      int64_t consistency_bytes,
                                      const EvaluationOptions& o) {
  TileOptions tiles;
  tiles.precision = o.tile_precision;
  if (o.tile > 0) {
    tiles.tile = o.tile;
    return tiles;
  }
  const int64_t n = x.size(0);
  int64_t metadata = 0;
  for (const std::vector<std::string>& column : frame.metadata) {
    for (const std::string& v : column) {
      metadata += static_cast<int64_t>(sizeof(std::string) + v.capacity());
    }
  }
  // Percent replicating's buckets and kept values only when it runs: they
  // reserve up to 1.3 GB (its most kept values) on a large screen.
  const int64_t percent_replicating =
      o.percent_replicating ? PercentReplicatingBytes(keys) : 0;
  const int64_t fixed = SweptRowsBytes(n, x.size(1), o.tile_precision) +
                        metadata + ReplicateRankBytes(roles) +
                        percent_replicating + consistency_bytes;
  const MemoryBudget budget =
      o.memory.bytes > 0 ? o.memory : DefaultMemoryBudget(1);
  absl::StatusOr<int64_t> tile =
      TileForBudget(frame.path, n, fixed, budget, o.tile_precision);
  if (!tile.ok() && percent_replicating > 0) {
    return absl::Status(
        tile.status().code(),
        absl::StrCat(tile.status().message(),
                     "; percent replicating's share of what is needed is ",
                     Gigabytes(percent_replicating),
                     " (--skip-percent-replicating leaves it out)"));
  }
  MICON_RETURN_IF_ERROR(tile.status());
  tiles.tile = *tile;
  return tiles;
}

// The labels of the compounds `ranked` (those of `rows`), from consistency
// column `c` of the profiles themselves or of the annotation table given.
absl::StatusOr<CompoundLabels> ConsistencyLabels(
    const ProfileFrame& frame, const std::vector<int64_t>& rows,
    const std::set<std::string>& ranked, const EvaluationOptions& o, size_t c) {
  CompoundAnnotations of_wells;
  if (o.annotations.empty()) {
    MICON_ASSIGN_OR_RETURN(of_wells,
                           AnnotationsOfWells(frame, rows, o.compound_column,
                                              o.consistency_columns[c]));
  }
  return LabelCompounds(o.annotations.empty() ? of_wells : o.annotations[c],
                        ranked, o.consistency_separator);
}

// Every metric but the predicted-profile ones, on rows that are all real
// wells (those of `only_compounds` and the controls, when it is set).
absl::StatusOr<Evaluation> EvaluateWells(const ProfileFrame& all,
                                         const EvaluationOptions& o,
                                         ShardReducer& shards) {
  ProfileFrame subset;
  if (!o.only_compounds.empty()) {
    MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* compound,
                           all.Column(o.compound_column));
    MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* control_text,
                           all.Column(o.controls.first));
    std::vector<bool> keep(static_cast<size_t>(all.rows()));
    for (size_t r = 0; r < keep.size(); ++r) {
      keep[r] = IsControlValue((*control_text)[r], o.controls.second) ||
                o.only_compounds.count((*compound)[r]) > 0;
    }
    subset = SelectRows(all, keep);
  }
  const ProfileFrame& frame = o.only_compounds.empty() ? all : subset;
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* compound,
                         frame.Column(o.compound_column));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* control_text,
                         frame.Column(o.controls.first));
  const int64_t n = frame.rows();
  std::vector<bool> control(n);
  Evaluation e;
  std::set<std::string> compounds;
  for (int64_t r = 0; r < n; ++r) {
    control[r] = IsControlValue((*control_text)[r], o.controls.second);
    if (control[r]) {
      ++e.control_wells;
    } else {
      ++e.treated_wells;
      compounds.insert((*compound)[r]);
    }
  }
  e.compounds = static_cast<int64_t>(compounds.size());
  if (e.treated_wells < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(frame.path, ": ", e.treated_wells, " treated well(s) (",
                     o.controls.first, " != ", o.controls.second,
                     "); replicate metrics need at least 2"));
  }
  std::vector<bool> query(n, true);
  if (!o.query_plates.empty()) {
    MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* plate,
                           frame.Column(o.plate_column));
    for (int64_t r = 0; r < n; ++r) {
      query[r] = o.query_plates.count((*plate)[r]) > 0;
    }
  }
  for (int64_t r = 0; r < n; ++r) e.query_wells += !control[r] && query[r];
  if (e.query_wells == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        frame.path, ": no treated well on the ", o.query_plates.size(),
        " query plate(s) (", o.plate_column, ")"));
  }

  MICON_ASSIGN_OR_RETURN(
      const at::Tensor x,
      NormalizedFeatures(frame, control, std::vector<bool>(n, true), o,
                         &e.singular_sphere_groups));

  const std::vector<std::string> groups =
      o.replicate_groups.empty() ? std::vector<std::string>{o.compound_column}
                                 : o.replicate_groups;
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                         GroupKeys(frame, groups));
  RankRoles roles;
  roles.compound = Ids(*compound);
  for (int64_t r = 0; r < n; ++r) {
    roles.control.push_back(control[r] ? 1 : 0);
    roles.query.push_back(!control[r] && query[r] ? 1 : 0);
  }
  // Top-k exclusions: none but the query itself, then not-same-batch and
  // not-same-source where the column has at least two values among the
  // treated wells.
  std::vector<std::string> suffixes = {"all"};
  roles.exclusions.emplace_back();
  for (const auto& [column, suffix] :
       {std::pair{o.batch_column, "nsb"}, std::pair{o.source_column, "nss"}}) {
    if (!frame.HasColumn(column)) continue;
    std::vector<int64_t> ids = Ids(**frame.Column(column));
    std::set<int64_t> treated_values;
    for (int64_t r = 0; r < n; ++r) {
      if (!control[r]) treated_values.insert(ids[r]);
    }
    if (treated_values.size() < 2) continue;
    roles.exclusions.push_back(std::move(ids));
    suffixes.push_back(suffix);
  }
  // Phenotypic consistency ranks the compounds' consensus profiles, from
  // the wells that query.
  std::vector<int64_t> consistency_rows;
  std::vector<CompoundLabels> annotated(o.consistency_columns.size());
  // The columns are scored one after another: the largest one's state is
  // what the budget must hold.
  int64_t consistency_bytes = 0;
  if (!o.consistency_columns.empty()) {
    std::set<std::string> ranked;
    for (int64_t r = 0; r < n; ++r) {
      if (!roles.query[r]) continue;
      consistency_rows.push_back(r);
      ranked.insert((*compound)[r]);
    }
    for (size_t c = 0; c < annotated.size(); ++c) {
      MICON_ASSIGN_OR_RETURN(
          annotated[c],
          ConsistencyLabels(frame, consistency_rows, ranked, o, c));
      consistency_bytes =
          std::max(consistency_bytes,
                   ConsistencyBytes(annotated[c], x.size(1), o.tile_precision));
    }
    if (o.consistency_active_only && e.control_wells == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.path,
          ": consistency among active compounds needs control wells to "
          "test activity against; none have ",
          o.controls.first, " = ", o.controls.second));
    }
  }
  MICON_ASSIGN_OR_RETURN(TileOptions tiles, PlanTiles(frame, x, roles, keys,
                                                      consistency_bytes, o));
  e.tile = tiles.tile;
  // Rank 0 speaks for all: the ranks sweep equal shares of the tiles.
  const TileProgressLog progress(frame.path,
                                 shards.shard() == 0 ? o.progress_seconds : 0);

  if (o.percent_replicating) {
    tiles.progress = progress.Sweep("percent replicating");
    const PercentReplicating pr =
        StreamPercentReplicating(x, keys, 0.95, tiles, shards);
    e.metrics.push_back({"percent_replicating", pr.score});
  }

  tiles.progress = progress.Sweep("replicate ranks (top-k, mAP)");
  const QueryRanks ranks = StreamReplicateRanks(x, roles, tiles, shards);
  std::map<std::string, int64_t> treated_of;  // wells per compound
  for (int64_t r = 0; r < n; ++r) treated_of[(*compound)[r]] += !control[r];
  std::vector<QueryAp> vs_controls, vs_compounds;
  for (size_t q = 0; q < ranks.rows.size(); ++q) {
    const std::string& c = (*compound)[ranks.rows[q]];
    const int64_t p = ranks.replicates[q];
    if (p == 0) continue;
    vs_controls.push_back({c, ranks.ap_vs_controls[q], p, p + e.control_wells});
    vs_compounds.push_back(
        {c, ranks.ap_vs_compounds[q], p, p + e.treated_wells - treated_of[c]});
  }
  const MapOptions map_options{.null_size = o.null_size, .seed = o.seed};
  if (e.control_wells > 0) {
    e.map_vs_dmso = MeanAveragePrecision(vs_controls, map_options);
    e.metrics.push_back({"map_vs_dmso", Mean(e.map_vs_dmso, false)});
    e.metrics.push_back({"retrieved_vs_dmso", Mean(e.map_vs_dmso, true)});
  }
  e.map_vs_compounds = MeanAveragePrecision(vs_compounds, map_options);
  e.metrics.push_back({"map_vs_compounds", Mean(e.map_vs_compounds, false)});
  e.metrics.push_back(
      {"retrieved_vs_compounds", Mean(e.map_vs_compounds, true)});

  std::set<std::string> active;
  for (const GroupMap& g : e.map_vs_dmso) {
    if (g.retrieved) active.insert(g.group);
  }
  e.consistency_columns = o.consistency_columns;
  for (size_t c = 0; c < annotated.size(); ++c) {
    if (o.consistency_active_only) {
      annotated[c] = KeepCompounds(annotated[c], active);
    }
    tiles.progress = progress.Sweep(absl::StrCat(
        "phenotypic consistency (", o.consistency_columns[c], ")"));
    e.consistency.push_back(ScoreConsistency(x, consistency_rows, *compound,
                                             annotated[c], map_options, tiles,
                                             shards));
    const std::vector<GroupMap>& labels = e.consistency.back().labels;
    if (!labels.empty()) {
      const std::string suffix = ConsistencySuffix(o.consistency_columns, c);
      e.metrics.push_back({"consistency_map" + suffix, Mean(labels, false)});
      e.metrics.push_back(
          {"consistency_retrieved" + suffix, Mean(labels, true)});
    }
  }

  for (size_t m = 0; m < suffixes.size(); ++m) {
    const std::vector<int64_t>& first_hit = ranks.first_hit[m];
    const int64_t scored =
        std::count_if(first_hit.begin(), first_hit.end(),
                      [](int64_t rank) { return rank >= 0; });
    if (scored == 0) continue;
    for (int k : o.top_k) {
      const std::string name = absl::StrCat("top", k, "_", suffixes[m]);
      std::map<std::string, std::pair<int64_t, int64_t>> hits;  // hit, scored
      int64_t all_hits = 0;
      for (size_t q = 0; q < first_hit.size(); ++q) {
        if (first_hit[q] < 0) continue;
        auto& [hit, scored_here] = hits[(*compound)[ranks.rows[q]]];
        hit += first_hit[q] < k;
        all_hits += first_hit[q] < k;
        ++scored_here;
      }
      e.metrics.push_back(
          {name, static_cast<double>(all_hits) / static_cast<double>(scored)});
      for (const auto& [c, counts] : hits) {
        e.top_k_per_compound[c][name] = static_cast<double>(counts.first) /
                                        static_cast<double>(counts.second);
      }
    }
  }
  return e;
}

// Top-k of finding a real well of each prediction's compound among
// `candidate_rows` (real treated wells), beside chance; appends
// PREFIXtopK and PREFIXchance_topK. Returns the predictions scored (those
// with at least one real well of their compound among the candidates).
int64_t ScorePredictions(const at::Tensor& x,
                         const std::vector<std::string>& compound,
                         const std::vector<int64_t>& query_rows,
                         const std::vector<int64_t>& candidate_rows,
                         const std::string& prefix, const EvaluationOptions& o,
                         std::vector<Metric>& metrics) {
  std::vector<std::string> labels;
  for (int64_t r : candidate_rows) labels.push_back(compound[r]);
  for (int64_t r : query_rows) labels.push_back(compound[r]);
  const std::vector<int64_t> ids = Ids(labels);
  const size_t c = candidate_rows.size();
  MatchingRows candidates, queries;
  for (size_t k = 0; k < ids.size(); ++k) {
    MatchingRows& rows = k < c ? candidates : queries;
    rows.id.push_back(static_cast<int64_t>(k));  // never shared: none excluded
    rows.label.push_back(ids[k]);
    rows.group.push_back(0);
  }
  const at::Tensor similarity = CosineSimilarity(
      x.index_select(0, torch::tensor(query_rows, torch::kLong)),
      x.index_select(0, torch::tensor(candidate_rows, torch::kLong)));
  const int64_t max_k = *std::max_element(o.top_k.begin(), o.top_k.end());
  const TopK t =
      ReplicateTopK(similarity, queries, candidates, Exclusion::kNone, max_k);
  if (t.scored == 0) return 0;
  std::vector<double> chance(o.top_k.size(), 0.0);
  for (size_t q = 0; q < queries.label.size(); ++q) {
    const int64_t positives = static_cast<int64_t>(std::count(
        candidates.label.begin(), candidates.label.end(), queries.label[q]));
    if (positives == 0) continue;
    for (size_t k = 0; k < o.top_k.size(); ++k) {
      chance[k] += ChanceTopK(static_cast<int64_t>(c), positives, o.top_k[k]) /
                   static_cast<double>(t.scored);
    }
  }
  for (size_t k = 0; k < o.top_k.size(); ++k) {
    metrics.push_back({absl::StrCat(prefix, "top", o.top_k[k]),
                       t.accuracy[static_cast<size_t>(o.top_k[k] - 1)]});
  }
  for (size_t k = 0; k < o.top_k.size(); ++k) {
    metrics.push_back(
        {absl::StrCat(prefix, "chance_top", o.top_k[k]), chance[k]});
  }
  return t.scored;
}

}  // namespace

std::string ConsistencySuffix(const std::vector<std::string>& columns,
                              size_t c) {
  return columns.size() == 1 ? "" : "_" + columns[c];
}

absl::StatusOr<at::Tensor> NormalizedFeatures(
    const ProfileFrame& frame, const std::vector<bool>& control,
    const std::vector<bool>& real, const EvaluationOptions& o,
    std::map<std::string, int64_t>* singular_sphere_groups) {
  const int64_t n = frame.rows();
  int64_t control_wells = 0;
  for (bool c : control) control_wells += c;
  at::Tensor x = frame.features.to(torch::kFloat64);
  if (o.normalize != NormalizeMethod::kNone || o.sphere) {
    if (control_wells < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.path, ": normalisation is fitted on control wells, but only ",
          control_wells, " row(s) have ", o.controls.first, " = ",
          o.controls.second));
    }
  }
  if (o.normalize != NormalizeMethod::kNone) {
    MICON_ASSIGN_OR_RETURN(
        const std::vector<std::string>* by,
        GroupsWithControls(frame, o.normalize_by, control, 1, [](int64_t) {
          return "no control wells to normalise on";
        }));
    x = NormalizePerGroup(x, *by, control, o.normalize);
  }
  if (o.feature_select) {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < n; ++r) {
      if (real[r]) rows.push_back(r);
    }
    const std::vector<int64_t> keep = SelectFeatures(
        x.index_select(0, torch::tensor(rows, torch::kLong)), o.selection);
    x = x.index_select(1, torch::tensor(keep, torch::kLong));
  }
  if (!o.sphere) return x;
  // n controls span at most n - 1 directions of the features.
  const auto note_singular = [&](const std::string& group, int64_t controls) {
    if (singular_sphere_groups != nullptr && controls <= x.size(1)) {
      (*singular_sphere_groups)[group] = controls;
    }
  };
  if (o.sphere_by.empty()) {
    note_singular("all wells", control_wells);
    return ZcaSphere(x, control);
  }
  MICON_ASSIGN_OR_RETURN(
      const std::vector<std::string>* by,
      GroupsWithControls(frame, o.sphere_by, control, 2, [](int64_t count) {
        return absl::StrCat(count, " control well(s); sphering needs 2");
      }));
  for (const auto& [group, controls] : ControlsPerGroup(*by, control)) {
    note_singular(group, controls);
  }
  return ZcaSpherePerGroup(x, *by, control);
}

absl::StatusOr<Evaluation> EvaluateProfiles(const ProfileFrame& frame,
                                            const EvaluationOptions& o) {
  SingleShard one;
  return EvaluateProfiles(frame, o, one);
}

absl::StatusOr<Evaluation> EvaluateProfiles(const ProfileFrame& frame,
                                            const EvaluationOptions& o,
                                            ShardReducer& shards) {
  MICON_RETURN_IF_ERROR(CheckLabels(frame, o));
  std::vector<bool> predicted(static_cast<size_t>(frame.rows()), false);
  bool any = false;
  if (frame.HasColumn(o.predicted_column)) {
    const std::vector<std::string>& text = **frame.Column(o.predicted_column);
    for (size_t r = 0; r < text.size(); ++r) {
      predicted[r] = IsControlValue(text[r], "1");
      any = any || predicted[r];
    }
  }
  if (!any) return EvaluateWells(frame, o, shards);

  // Predictions are normalised with their plate's real controls, then scored
  // against the real treated wells.
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* compound,
                         frame.Column(o.compound_column));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* control_text,
                         frame.Column(o.controls.first));
  std::vector<bool> control(predicted.size()), real(predicted.size());
  for (size_t r = 0; r < predicted.size(); ++r) {
    real[r] = !predicted[r];
    control[r] =
        real[r] && IsControlValue((*control_text)[r], o.controls.second);
  }
  std::map<std::string, int64_t> singular_sphere_groups;
  MICON_ASSIGN_OR_RETURN(
      const at::Tensor x,
      NormalizedFeatures(frame, control, real, o, &singular_sphere_groups));
  std::vector<int64_t> real_rows, query_rows, candidate_rows;
  for (size_t r = 0; r < predicted.size(); ++r) {
    const int64_t row = static_cast<int64_t>(r);
    if (predicted[r]) {
      query_rows.push_back(row);
    } else {
      real_rows.push_back(row);
      if (!control[r]) candidate_rows.push_back(row);
    }
  }
  ProfileFrame wells = SelectRows(frame, real);
  wells.features = x.index_select(0, torch::tensor(real_rows, torch::kLong));
  EvaluationOptions already = o;
  already.normalize = NormalizeMethod::kNone;
  already.sphere = false;
  already.feature_select = false;
  MICON_ASSIGN_OR_RETURN(Evaluation e, EvaluateWells(wells, already, shards));
  e.singular_sphere_groups = std::move(singular_sphere_groups);

  e.predicted_queries = ScorePredictions(
      x, *compound, query_rows, candidate_rows, "predicted_", o, e.metrics);
  if (e.predicted_queries == 0) return e;
  // The reference's protocol: among the wells of the predicted (typically
  // unseen) compounds only, where the seen compounds' wells cannot crowd
  // the ranking.
  std::set<std::string> predicted_compounds;
  for (int64_t r : query_rows) predicted_compounds.insert((*compound)[r]);
  std::vector<int64_t> among;
  for (int64_t r : candidate_rows) {
    if (predicted_compounds.count((*compound)[r]) > 0) among.push_back(r);
  }
  ScorePredictions(x, *compound, query_rows, among,
                   "predicted_among_predicted_", o, e.metrics);
  return e;
}

}  // namespace micon
