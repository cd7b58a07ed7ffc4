// evaluation_report.h: the evaluation of several methods' well profiles, and
// the report `micon evaluate` makes of it.
//
//   MICON_ASSIGN_OR_RETURN(MethodEvaluation m,
//       EvaluateMethod("micon", "profiles.csv", "predicted.csv", options,
//                      shards));
//   std::fputs(EvaluationTable({m, ...}).c_str(), stdout);
//   MICON_RETURN_IF_ERROR(WriteEvaluationReport({m, ...}, "out"));
//
// The report's folder holds:
//   evaluation.csv              one row per method, one column per metric,
//                               every digit (%.17g)
//   per_compound_<method>.csv   each compound's mAP test against DMSO and
//                               against the other compounds
//   consistency_<method>.csv    with a consistency column: each label's mAP
//                               test (label, map, compounds, p_value,
//                               corrected_p_value, retrieved); with several,
//                               consistency_<method>_<column>.csv each
//   consistency_compounds_<method>.csv  each compound's AP for each of its
//                               labels (label, compound, ap, positives,
//                               candidates); _<column> as above
//   evaluation.tsv, .png        the metrics as grouped bars (gnuplot)
// Columns are every metric any method has, in first-seen order; a method
// without one shows "-".
#ifndef MICON_LAUNCH_PROFILES_EVALUATION_REPORT_H_
#define MICON_LAUNCH_PROFILES_EVALUATION_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "launch/profiles/profile_evaluation.h"

namespace micon {

struct MethodEvaluation {
  std::string name;  // a safe file name: it names per_compound_<name>.csv
  std::string path;  // its profiles
  Evaluation evaluation;
  int64_t features = 0;
};

// Reads `profiles_path` (and, when not empty, the method's predicted
// profiles, scored against its real wells) and evaluates them, this shard's
// share of the tiles under mpirun (EvaluateProfiles' shards).
absl::StatusOr<MethodEvaluation> EvaluateMethod(
    const std::string& name, const std::string& profiles_path,
    const std::string& predicted_path, const EvaluationOptions& options,
    ShardReducer& shards);

// The metrics, four decimals, one row per method, as text for a terminal.
std::string EvaluationTable(const std::vector<MethodEvaluation>& methods);

// Writes the report's files into `folder` (created if needed).
absl::Status WriteEvaluationReport(const std::vector<MethodEvaluation>& methods,
                                   const std::string& folder);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_EVALUATION_REPORT_H_
