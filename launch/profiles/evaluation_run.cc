#include "launch/profiles/evaluation_run.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/enum_names.h"
#include "core/status_macros.h"
#include "launch/profiles/evaluation_report.h"
#include "launch/profiles/retrieval_evaluation.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

// Cross-modal retrieval is small (queries x embeddings of the held-out
// compounds): rank 0 computes it alone.
absl::Status RunRetrieval(const EvaluationRequest& request) {
  std::vector<MethodRetrieval> methods;
  for (const auto& [name, folder] : request.retrieval) {
    MICON_ASSIGN_OR_RETURN(
        MethodRetrieval m,
        EvaluateRetrieval(
            name, folder,
            request.retrieval_held_out ? &*request.retrieval_held_out : nullptr,
            request.retrieval_plates ? &*request.retrieval_plates : nullptr));
    methods.push_back(std::move(m));
  }
  std::fputs(RetrievalTable(methods).c_str(), stdout);
  if (request.output.empty()) return absl::OkStatus();
  MICON_RETURN_IF_ERROR(WriteRetrievalReport(methods, request.output));
  std::fprintf(stderr, "micon: wrote %s and each query's rank\n",
               (fs::path(request.output) / "retrieval.csv").c_str());
  return absl::OkStatus();
}

// A singular sphering turns profiles into noise without any error: on the
// Target-2 screen, 128 DMSO wells per batch against 128 embedding dimensions
// put every learned model at chance (docs/RESULTS.md section 5).
std::string SingularSphereWarning(const std::string& method,
                                  const Evaluation& e,
                                  const EvaluationOptions& o) {
  std::string groups;
  int shown = 0;
  for (const auto& [group, controls] : e.singular_sphere_groups) {
    if (shown++ == 3) {
      absl::StrAppend(&groups, ", ...");
      break;
    }
    absl::StrAppend(&groups, shown > 1 ? ", " : "", group, ": ", controls);
  }
  return absl::StrCat(
      "micon: warning: ", method, ": sphering",
      o.sphere_by.empty() ? "" : absl::StrCat(" per ", o.sphere_by), " has ",
      e.singular_sphere_groups.size(),
      " group(s) with no more control wells than features (", groups,
      "): their covariance is singular, so ZCA scales each direction the "
      "controls do not span by 1/sqrt(epsilon) = ",
      1 / std::sqrt(kZcaEpsilon),
      ", which can swamp the profiles; sphere per a coarser column or on "
      "fewer features\n");
}

// What phenotypic consistency ranked, and what it left out: a user whose
// annotation column is mostly empty sees it here, not as a missing metric.
std::string ConsistencyLines(const std::string& method, const Evaluation& e,
                             const EvaluationOptions& o) {
  std::string lines;
  for (size_t c = 0; c < e.consistency.size(); ++c) {
    const Consistency& s = e.consistency[c];
    absl::StrAppend(
        &lines, "micon: ", method, ": consistency over ",
        e.consistency_columns[c], ": ", s.compounds, " annotated compound(s)",
        o.consistency_active_only ? " active against DMSO" : "", ", ",
        s.querying, " sharing a label with another, ", s.labels.size(),
        " label(s) shared by 2 or more; ", s.unannotated,
        " compound(s) without an annotation left out",
        s.labels.empty() ? " (no consistency metric)" : "", "\n");
  }
  return lines;
}

}  // namespace

absl::Status RunEvaluation(const EvaluationRequest& request,
                           ShardReducer& shards) {
  const bool reports = shards.shard() == 0;
  if (reports && !request.retrieval.empty()) {
    MICON_RETURN_IF_ERROR(RunRetrieval(request));
  }
  if (request.profiles.empty()) return absl::OkStatus();
  const MemoryBudget& budget = request.options.memory;
  if (reports && budget.bytes > 0 && request.options.tile == 0) {
    // Said before the hours a large screen takes: the tile size follows.
    std::fprintf(stderr, "micon: memory budget %s per rank (%s)\n",
                 Gigabytes(budget.bytes).c_str(), budget.source.c_str());
  }
  std::vector<MethodEvaluation> methods;
  for (const auto& [name, path] : request.profiles) {
    const auto prediction = request.predicted.find(name);
    MICON_ASSIGN_OR_RETURN(
        MethodEvaluation m,
        EvaluateMethod(
            name, path,
            prediction == request.predicted.end() ? "" : prediction->second,
            request.options, shards));
    const Evaluation& e = m.evaluation;
    if (reports) {
      std::fprintf(
          stderr,
          "micon: %s: %lld treated wells (%lld querying) of %lld compounds, "
          "%lld control wells, %lld features, %lld scored predictions; "
          "similarity tiles of %lld rows (%s) over %d rank(s)\n",
          name.c_str(), static_cast<long long>(e.treated_wells),
          static_cast<long long>(e.query_wells),
          static_cast<long long>(e.compounds),
          static_cast<long long>(e.control_wells),
          static_cast<long long>(m.features),
          static_cast<long long>(e.predicted_queries),
          static_cast<long long>(e.tile),
          EnumText(kTilePrecisionNames, request.options.tile_precision),
          shards.shards());
    }
    if (reports) {
      std::fputs(ConsistencyLines(name, e, request.options).c_str(), stderr);
    }
    if (reports && !e.singular_sphere_groups.empty()) {
      std::fputs(SingularSphereWarning(name, e, request.options).c_str(),
                 stderr);
    }
    methods.push_back(std::move(m));
  }
  if (!reports) return absl::OkStatus();
  std::fputs(EvaluationTable(methods).c_str(), stdout);
  if (request.output.empty()) return absl::OkStatus();
  MICON_RETURN_IF_ERROR(WriteEvaluationReport(methods, request.output));
  std::fprintf(stderr, "micon: wrote %s, per-compound mAP and %s\n",
               (fs::path(request.output) / "evaluation.csv").c_str(),
               (fs::path(request.output) / "evaluation.png").c_str());
  return absl::OkStatus();
}

}  // namespace micon
