// evaluation_run.h: what `micon evaluate` does once its flags are typed
// values: cross-modal retrieval of embedding folders, then the replicate
// metrics of each method's well profiles, printed and written as a report.
//
//   EvaluationRequest request;  request.profiles = {{"micon", "p.h5"}};
//   CommunicatorShardReducer shards(*dist.comm);
//   MICON_RETURN_IF_ERROR(RunEvaluation(request, shards));
//
// Under mpirun or srun every rank reads the tables and visits its share of
// the similarity tiles (shard_reducer.h); rank 0 alone prints and writes.
#ifndef MICON_LAUNCH_PROFILES_EVALUATION_RUN_H_
#define MICON_LAUNCH_PROFILES_EVALUATION_RUN_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/metrics/shard_reducer.h"
#include "launch/profiles/profile_evaluation.h"

namespace micon {

struct EvaluationRequest {
  // Method name -> profiles, in the order given; names are file-name safe.
  std::vector<std::pair<std::string, std::string>> profiles;
  std::map<std::string, std::string> predicted;  // method -> predictions
  std::vector<std::pair<std::string, std::string>> retrieval;  // name -> dir
  std::optional<std::set<std::string>> retrieval_held_out;     // compounds
  std::optional<std::set<std::string>> retrieval_plates;
  std::string output;  // the report's folder; empty: the table only
  EvaluationOptions options;
};

absl::Status RunEvaluation(const EvaluationRequest& request,
                           ShardReducer& shards);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_EVALUATION_RUN_H_
