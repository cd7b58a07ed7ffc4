#include "launch/profiles/profile_evaluation.h"

#include <torch/torch.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/metrics/feature_selection.h"
#include "core/metrics/percent_replicating.h"
#include "core/metrics/profile_similarity.h"
#include "core/metrics/replicate_matching.h"
#include "core/status_macros.h"

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

std::vector<GroupMap> MapAgainst(const at::Tensor& cos,
                                 const std::vector<std::string>& compound,
                                 const std::vector<bool>& control,
                                 const std::vector<bool>& queries_from,
                                 bool against_controls,
                                 const EvaluationOptions& o) {
  const int64_t n = cos.size(0);
  const double* s = cos.data_ptr<double>();
  std::vector<QueryAp> queries;
  std::vector<RankedCandidate> candidates;
  for (int64_t i = 0; i < n; ++i) {
    if (control[i] || !queries_from[i]) continue;
    candidates.clear();
    int64_t positives = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const bool positive = !control[j] && compound[j] == compound[i];
      const bool negative = against_controls
                                ? control[j]
                                : !control[j] && compound[j] != compound[i];
      if (!positive && !negative) continue;
      candidates.push_back({s[i * n + j], positive});
      positives += positive;
    }
    if (positives == 0) continue;
    queries.push_back({compound[i], AveragePrecision(candidates), positives,
                       static_cast<int64_t>(candidates.size())});
  }
  return MeanAveragePrecision(queries,
                              {.null_size = o.null_size, .seed = o.seed});
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
  std::map<std::string, int64_t> controls_in;
  for (size_t r = 0; r < by->size(); ++r) controls_in[(*by)[r]] += control[r];
  for (const auto& [group, count] : controls_in) {
    if (count < minimum) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.path, ": ", column, " ", group, " has ", shortfall(count)));
    }
  }
  return by;
}

// Every metric but the predicted-profile ones, on rows that are all real
// wells (those of `only_compounds` and the controls, when it is set).
absl::StatusOr<Evaluation> EvaluateWells(const ProfileFrame& all,
                                         const EvaluationOptions& o) {
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
      NormalizedFeatures(frame, control, std::vector<bool>(n, true), o));

  const std::vector<std::string> groups =
      o.replicate_groups.empty() ? std::vector<std::string>{o.compound_column}
                                 : o.replicate_groups;
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                         GroupKeys(frame, groups));
  const PercentReplicating pr =
      ComputePercentReplicating(PearsonSimilarity(x), keys, 0.95);
  e.metrics.push_back({"percent_replicating", pr.score});

  const at::Tensor cos = CosineSimilarity(x, x).contiguous();
  if (e.control_wells > 0) {
    e.map_vs_dmso = MapAgainst(cos, *compound, control, query, true, o);
    e.metrics.push_back({"map_vs_dmso", Mean(e.map_vs_dmso, false)});
    e.metrics.push_back({"retrieved_vs_dmso", Mean(e.map_vs_dmso, true)});
  }
  e.map_vs_compounds = MapAgainst(cos, *compound, control, query, false, o);
  e.metrics.push_back({"map_vs_compounds", Mean(e.map_vs_compounds, false)});
  e.metrics.push_back(
      {"retrieved_vs_compounds", Mean(e.map_vs_compounds, true)});

  // Top-k: the querying treated wells against every treated well.
  std::vector<int64_t> treated, queries;
  for (int64_t r = 0; r < n; ++r) {
    if (control[r]) continue;
    treated.push_back(r);
    if (query[r]) queries.push_back(r);
  }
  const at::Tensor sub =
      cos.index_select(0, torch::tensor(queries, torch::kLong))
          .index_select(1, torch::tensor(treated, torch::kLong));
  // Ids shared by both sets: compound labels and groups numbered over the
  // treated wells, the query rows picked out of them.
  std::vector<std::string> treated_compound;
  for (int64_t r : treated) treated_compound.push_back((*compound)[r]);
  MatchingRows rows{treated, Ids(treated_compound),
                    std::vector<int64_t>(treated.size(), 0)};
  auto query_rows = [&] {
    MatchingRows q;
    for (size_t i = 0; i < treated.size(); ++i) {
      if (!query[treated[i]]) continue;
      q.id.push_back(rows.id[i]);
      q.label.push_back(rows.label[i]);
      q.group.push_back(rows.group[i]);
    }
    return q;
  };
  const int64_t max_k = *std::max_element(o.top_k.begin(), o.top_k.end());
  auto add_top_k = [&](const std::string& suffix, Exclusion exclusion) {
    const TopK t = ReplicateTopK(sub, query_rows(), rows, exclusion, max_k);
    if (t.scored == 0) return;
    for (int k : o.top_k) {
      const std::string name = absl::StrCat("top", k, "_", suffix);
      e.metrics.push_back({name, t.accuracy[static_cast<size_t>(k - 1)]});
      std::map<std::string, std::pair<int64_t, int64_t>> hits;  // hit, scored
      for (size_t q = 0; q < queries.size(); ++q) {
        if (t.first_hit[q] < 0) continue;
        auto& [hit, scored] = hits[(*compound)[queries[q]]];
        hit += t.first_hit[q] < k;
        ++scored;
      }
      for (const auto& [c, counts] : hits) {
        e.top_k_per_compound[c][name] = static_cast<double>(counts.first) /
                                        static_cast<double>(counts.second);
      }
    }
  };
  add_top_k("all", Exclusion::kNone);
  for (const auto& [column, suffix] :
       {std::pair{o.batch_column, "nsb"}, std::pair{o.source_column, "nss"}}) {
    if (!frame.HasColumn(column)) continue;
    const std::vector<std::string>& values = **frame.Column(column);
    std::vector<std::string> treated_values;
    for (int64_t r : treated) treated_values.push_back(values[r]);
    rows.group = Ids(treated_values);
    if (std::set<int64_t>(rows.group.begin(), rows.group.end()).size() < 2) {
      continue;
    }
    add_top_k(suffix, Exclusion::kSameGroup);
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

absl::StatusOr<at::Tensor> NormalizedFeatures(const ProfileFrame& frame,
                                              const std::vector<bool>& control,
                                              const std::vector<bool>& real,
                                              const EvaluationOptions& o) {
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
  if (o.sphere_by.empty()) return ZcaSphere(x, control);
  MICON_ASSIGN_OR_RETURN(
      const std::vector<std::string>* by,
      GroupsWithControls(frame, o.sphere_by, control, 2, [](int64_t count) {
        return absl::StrCat(count, " control well(s); sphering needs 2");
      }));
  return ZcaSpherePerGroup(x, *by, control);
}

absl::StatusOr<Evaluation> EvaluateProfiles(const ProfileFrame& frame,
                                            const EvaluationOptions& o) {
  std::vector<bool> predicted(static_cast<size_t>(frame.rows()), false);
  bool any = false;
  if (frame.HasColumn(o.predicted_column)) {
    const std::vector<std::string>& text = **frame.Column(o.predicted_column);
    for (size_t r = 0; r < text.size(); ++r) {
      predicted[r] = IsControlValue(text[r], "1");
      any = any || predicted[r];
    }
  }
  if (!any) return EvaluateWells(frame, o);

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
  MICON_ASSIGN_OR_RETURN(const at::Tensor x,
                         NormalizedFeatures(frame, control, real, o));
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
  MICON_ASSIGN_OR_RETURN(Evaluation e, EvaluateWells(wells, already));

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
