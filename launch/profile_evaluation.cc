#include "launch/profile_evaluation.h"

#include <torch/torch.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/percent_replicating.h"
#include "core/profile_similarity.h"
#include "core/replicate_matching.h"
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
                                 bool against_controls,
                                 const EvaluationOptions& o) {
  const int64_t n = cos.size(0);
  const double* s = cos.data_ptr<double>();
  std::vector<QueryAp> queries;
  std::vector<RankedCandidate> candidates;
  for (int64_t i = 0; i < n; ++i) {
    if (control[i]) continue;
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

}  // namespace

absl::StatusOr<Evaluation> EvaluateProfiles(const ProfileFrame& frame,
                                            const EvaluationOptions& o) {
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

  at::Tensor x = frame.features.to(torch::kFloat64);
  if (o.normalize != NormalizeMethod::kNone || o.sphere) {
    if (e.control_wells < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.path, ": normalisation is fitted on control wells, but only ",
          e.control_wells, " row(s) have ", o.controls.first, " = ",
          o.controls.second));
    }
  }
  if (o.normalize != NormalizeMethod::kNone) {
    MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* by,
                           frame.Column(o.normalize_by));
    std::map<std::string, int64_t> controls_in;
    for (int64_t r = 0; r < n; ++r) controls_in[(*by)[r]] += control[r];
    for (const auto& [group, count] : controls_in) {
      if (count == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(frame.path, ": ", o.normalize_by, " ", group,
                         " has no control wells to normalise on"));
      }
    }
    x = NormalizePerGroup(x, *by, control, o.normalize);
  }
  if (o.sphere) x = ZcaSphere(x, control);

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
    e.map_vs_dmso = MapAgainst(cos, *compound, control, true, o);
    e.metrics.push_back({"map_vs_dmso", Mean(e.map_vs_dmso, false)});
    e.metrics.push_back({"retrieved_vs_dmso", Mean(e.map_vs_dmso, true)});
  }
  e.map_vs_compounds = MapAgainst(cos, *compound, control, false, o);
  e.metrics.push_back({"map_vs_compounds", Mean(e.map_vs_compounds, false)});
  e.metrics.push_back(
      {"retrieved_vs_compounds", Mean(e.map_vs_compounds, true)});

  // Top-k among treated wells.
  std::vector<int64_t> treated;
  for (int64_t r = 0; r < n; ++r) {
    if (!control[r]) treated.push_back(r);
  }
  const at::Tensor index = torch::tensor(treated, torch::kLong);
  const at::Tensor sub = cos.index_select(0, index).index_select(1, index);
  std::vector<std::string> treated_compound;
  for (int64_t r : treated) treated_compound.push_back((*compound)[r]);
  MatchingRows rows{treated, Ids(treated_compound),
                    std::vector<int64_t>(treated.size(), 0)};
  const int64_t max_k = *std::max_element(o.top_k.begin(), o.top_k.end());
  auto add_top_k = [&](const std::string& suffix, Exclusion exclusion) {
    const TopK t = ReplicateTopK(sub, rows, rows, exclusion, max_k);
    if (t.scored == 0) return;
    for (int k : o.top_k) {
      e.metrics.push_back({absl::StrCat("top", k, "_", suffix),
                           t.accuracy[static_cast<size_t>(k - 1)]});
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

}  // namespace micon
