#include "launch/profiles/evaluation_run.h"

#include <cstdio>
#include <filesystem>

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

}  // namespace

absl::Status RunEvaluation(const EvaluationRequest& request,
                           ShardReducer& shards) {
  const bool reports = shards.shard() == 0;
  if (reports && !request.retrieval.empty()) {
    MICON_RETURN_IF_ERROR(RunRetrieval(request));
  }
  if (request.profiles.empty()) return absl::OkStatus();
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
