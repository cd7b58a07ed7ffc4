// micon evaluate: the metrics table for one or more sets of well profiles
// (methods), on stdout, as CSV and as a chart.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "data/screen_split.h"
#include "distributed/communicator_shard_reducer.h"
#include "distributed/launch_environment.h"
#include "launch/command.h"
#include "launch/flag_enum.h"
#include "launch/flag_pair.h"
#include "launch/profiles/evaluation_budget.h"
#include "launch/profiles/evaluation_run.h"
#include "launch/profiles/phenotypic_consistency.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

struct EvaluateFlags {
  std::vector<std::string> profiles;   // NAME=PATH
  std::vector<std::string> predicted;  // NAME=PATH
  std::string output;
  std::string controls = "Metadata_Control=1";
  std::string normalize = "none";
  std::string replicate_groups;
  std::string held_out_only;           // a screen.json
  std::string held_out_plates;         // a screen.json
  std::vector<std::string> retrieval;  // NAME=DIR of micon embed output
  std::string retrieval_split;         // a screen.json
  double memory_gb = 0;
  bool skip_percent_replicating = false;
  double timeout_seconds = 3600;
  std::string tile_precision = "float32";
  std::string annotations;  // a table of compounds' annotations
  std::string annotations_key = "compound_id";
  EvaluationOptions options;
};

// NAME=PATH specs of `flag`, in order. A name becomes a file name
// (per_compound_NAME.csv) and a table column, so it is restricted, and it may
// be given once.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseNamedPaths(const std::string& flag,
                const std::vector<std::string>& specs) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> names;
  for (const std::string& spec : specs) {
    const std::vector<std::string> parts =
        absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(flag + " must be NAME=PATH, got '" +
                                        spec + "'");
    }
    if (parts[0].find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                   "OPQRSTUVWXYZ0123456789_.-") !=
        std::string::npos) {
      return absl::InvalidArgumentError(
          flag + ": method name '" + parts[0] +
          "' may use only letters, digits, '_', '.' and '-'");
    }
    if (!names.insert(parts[0]).second) {
      return absl::InvalidArgumentError(flag + ": method name '" + parts[0] +
                                        "' is given twice");
    }
    out.emplace_back(parts[0], parts[1]);
  }
  return out;
}

// One list of a screen.json, which must not be empty.
absl::StatusOr<std::set<std::string>> ScreenList(
    const std::string& path, std::set<std::string> ScreenSplit::*list,
    const std::string& name) {
  MICON_ASSIGN_OR_RETURN(const ScreenSplit split, ReadScreenSplit(path));
  if ((split.*list).empty()) {
    return absl::InvalidArgumentError(path + ": lists no " + name);
  }
  return split.*list;
}

// The flags as typed values, every one checked before the first (slow)
// evaluation.
absl::StatusOr<EvaluationRequest> ParseRequest(EvaluateFlags flags) {
  if (flags.profiles.empty() && flags.retrieval.empty()) {
    return absl::InvalidArgumentError(
        "give --profiles NAME=PATH (replicate metrics) or --retrieval "
        "NAME=DIR (cross-modal retrieval), or both");
  }
  if (!flags.retrieval_split.empty() && flags.retrieval.empty()) {
    return absl::InvalidArgumentError("--retrieval-split needs --retrieval");
  }
  EvaluationRequest request;
  request.output = flags.output;
  MICON_ASSIGN_OR_RETURN(request.retrieval,
                         ParseNamedPaths("--retrieval", flags.retrieval));
  if (!flags.retrieval_split.empty()) {
    MICON_ASSIGN_OR_RETURN(
        request.retrieval_held_out,
        ScreenList(flags.retrieval_split, &ScreenSplit::held_out_compounds,
                   "held_out_compounds"));
  }
  EvaluationOptions& o = request.options;
  o = flags.options;
  MICON_ASSIGN_OR_RETURN(
      o.controls, ParseFlagPair("--controls", "COLUMN=VALUE", flags.controls));
  MICON_ASSIGN_OR_RETURN(
      o.normalize,
      ParseFlagEnum(kNormalizeMethodNames, "--normalize", flags.normalize));
  MICON_ASSIGN_OR_RETURN(o.tile_precision,
                         ParseFlagEnum(kTilePrecisionNames, "--tile-precision",
                                       flags.tile_precision));
  if (flags.memory_gb > 0) {
    o.memory = {static_cast<int64_t>(flags.memory_gb * 1e9),
                absl::StrCat("--memory-gb ", flags.memory_gb)};
  }
  o.percent_replicating = !flags.skip_percent_replicating;
  if (!o.sphere_by.empty() && !o.sphere) {
    return absl::InvalidArgumentError("--sphere-by needs --sphere");
  }
  if (o.consistency_columns.empty() &&
      (o.consistency_active_only || o.consistency_separator != "|" ||
       !flags.annotations.empty())) {
    return absl::InvalidArgumentError(
        "--consistency-active-only, --consistency-separator and --annotations "
        "need --consistency COLUMN");
  }
  const std::set<std::string> distinct(o.consistency_columns.begin(),
                                       o.consistency_columns.end());
  if (distinct.size() != o.consistency_columns.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--consistency names a column twice: ",
                     absl::StrJoin(o.consistency_columns, ", ")));
  }
  if (!flags.annotations.empty()) {
    MICON_ASSIGN_OR_RETURN(
        o.annotations,
        ReadAnnotationTable(flags.annotations, flags.annotations_key,
                            o.consistency_columns));
  }
  if (!flags.replicate_groups.empty()) {
    o.replicate_groups = absl::StrSplit(flags.replicate_groups, ',');
  }
  if (!flags.held_out_only.empty()) {
    MICON_ASSIGN_OR_RETURN(
        o.only_compounds,
        ScreenList(flags.held_out_only, &ScreenSplit::held_out_compounds,
                   "held_out_compounds"));
  }
  if (!flags.held_out_plates.empty()) {
    MICON_ASSIGN_OR_RETURN(
        o.query_plates,
        ScreenList(flags.held_out_plates, &ScreenSplit::held_out_plates,
                   "held_out_plates"));
    request.retrieval_plates = o.query_plates;
  }
  MICON_ASSIGN_OR_RETURN(request.profiles,
                         ParseNamedPaths("--profiles", flags.profiles));
  MICON_ASSIGN_OR_RETURN(const auto predicted,
                         ParseNamedPaths("--predicted", flags.predicted));
  for (const auto& [name, path] : predicted) {
    const auto& profiles = request.profiles;
    // (C++17 lambdas cannot capture structured bindings; clang refuses it.)
    const std::string& method = name;
    if (std::none_of(profiles.begin(), profiles.end(),
                     [&](const auto& p) { return p.first == method; })) {
      return absl::InvalidArgumentError("--predicted names method '" + name +
                                        "', which no --profiles gives");
    }
    request.predicted[name] = path;
  }
  return request;
}

absl::Status RunEvaluate(const EvaluateFlags& flags, ProcessState& process) {
  MICON_ASSIGN_OR_RETURN(EvaluationRequest request, ParseRequest(flags));
  MICON_ASSIGN_OR_RETURN(const LaunchEnvironment launch,
                         DetectLaunchEnvironment(std::getenv));
  DistributedRequest distributed;
  // CPU collectives whatever the machine: the tiles are CPU work. Alone, no
  // MPI at all (a singleton MPI start costs about a second).
  distributed.backend =
      launch.world_size > 1 ? Backend::kMpi : Backend::kThreads;
  distributed.timeout_seconds = flags.timeout_seconds;
  MICON_RETURN_IF_ERROR(StartDistributed(distributed, process));
  if (request.options.memory.bytes == 0) {
    // Every rank holds its own copy of the features and its own tile.
    request.options.memory = DefaultMemoryBudget(process.dist->local_size);
  }
  CommunicatorShardReducer shards(*process.dist->comm);
  return RunEvaluation(request, shards);
}

}  // namespace

void AddEvaluateCommand(CLI::App& app, CommandRun& run, ProcessState& process) {
  CLI::App* sub = app.add_subcommand(
      "evaluate",
      "Replicate metrics of well profiles (percent replicating, mAP vs DMSO "
      "and vs other compounds, top-k matching: all, NSB, NSS) for one or "
      "more methods");
  auto f = std::make_shared<EvaluateFlags>();
  sub->add_option("--profiles", f->profiles,
                  "NAME=PATH of a profile CSV (Metadata_* columns, then "
                  "features); repeat for each method");
  sub->add_option("--predicted", f->predicted,
                  "NAME=PATH of the predicted profiles (micon embed's "
                  "predicted.csv) of method NAME: ranked against its real "
                  "treated wells");
  sub->add_option("-o,--output", f->output,
                  "Folder for evaluation.csv, per-compound mAP and "
                  "evaluation.png");
  sub->add_option("--compound-column", f->options.compound_column)
      ->capture_default_str();
  sub->add_option("--controls", f->controls,
                  "COLUMN=VALUE marking control (DMSO) wells")
      ->capture_default_str();
  sub->add_option("--batch-column", f->options.batch_column,
                  "For not-same-batch matching")
      ->capture_default_str();
  sub->add_option("--source-column", f->options.source_column,
                  "For not-same-source matching")
      ->capture_default_str();
  sub->add_option("--normalize", f->normalize,
                  "none, standardize or mad, fitted on the controls of each "
                  "--normalize-by group")
      ->capture_default_str();
  sub->add_option("--normalize-by", f->options.normalize_by)
      ->capture_default_str();
  sub->add_flag("--feature-select", f->options.feature_select,
                "Drop near-constant features and one of each pair correlated "
                "above --correlation-threshold (after --normalize)");
  sub->add_option("--correlation-threshold",
                  f->options.selection.correlation_threshold)
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_flag("--sphere", f->options.sphere,
                "ZCA-sphere on the control wells (after --normalize)");
  sub->add_option("--sphere-by", f->options.sphere_by,
                  "With --sphere: one transform per value of this column "
                  "(e.g. Metadata_Plate, Metadata_Batch), fitted on its "
                  "own control wells; default one for all");
  sub->add_option("--replicate-groups", f->replicate_groups,
                  "Comma-separated columns that define replicates for "
                  "percent replicating (default: the compound column)");
  sub->add_option("--consistency", f->options.consistency_columns,
                  "Phenotypic consistency: the column annotating each "
                  "compound's mechanism or target (e.g. Metadata_moa); "
                  "compounds' median profiles retrieve those sharing a label "
                  "(mAP per label, consistency_NAME.csv). Repeat it to score "
                  "several columns in one run (metrics and files then end "
                  "in _COLUMN)");
  sub->add_option("--annotations", f->annotations,
                  "A CSV/TSV of compound annotations (e.g. a plate store's "
                  "compounds.csv): --consistency names its column, matched "
                  "to the profiles by --annotations-key")
      ->check(CLI::ExistingFile);
  sub->add_option("--annotations-key", f->annotations_key,
                  "The --annotations column holding the compound column's "
                  "values")
      ->capture_default_str();
  sub->add_option("--consistency-separator", f->options.consistency_separator,
                  "Splits an annotation into labels; empty: one label per "
                  "value")
      ->capture_default_str();
  sub->add_flag("--consistency-active-only", f->options.consistency_active_only,
                "Only compounds retrieved against DMSO take part in "
                "consistency");
  sub->add_option("--held-out-only", f->held_out_only,
                  "A screen.json: score only the treated wells (and "
                  "predictions) of its held_out_compounds, the compounds "
                  "training never saw")
      ->check(CLI::ExistingFile);
  sub->add_option("--held-out-plates", f->held_out_plates,
                  "A screen.json: only treated wells of its held_out_plates "
                  "query (the paper's protocol: wells of batches and sources "
                  "training never saw); every well stays a candidate. With "
                  "--retrieval: only these plates' wells take part")
      ->check(CLI::ExistingFile);
  sub->add_option("--retrieval", f->retrieval,
                  "NAME=DIR of `micon embed` output of a clip or cellclip "
                  "checkpoint (well_projections.csv, "
                  "molecule_projections.csv): molecule -> well and well -> "
                  "molecule R@1/5/10 and mean rank, beside chance; repeat for "
                  "each method");
  sub->add_option("--retrieval-split", f->retrieval_split,
                  "A screen.json: retrieval ranks seen and held_out compounds "
                  "separately, each among its own")
      ->check(CLI::ExistingFile);
  sub->add_option("--null-size", f->options.null_size,
                  "Permutations for the mAP p-values")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--seed", f->options.seed, "Seed of the permutation null")
      ->capture_default_str();
  sub->add_option("--memory-gb", f->memory_gb,
                  "Memory the evaluation of one method may hold (features, "
                  "per-well state, one similarity tile), in 10^9 bytes; a "
                  "screen that needs more is refused before it starts. "
                  "Under mpirun or srun, per rank. Default: 80% of the "
                  "memory available (the least of the machine's and its "
                  "memory cgroups', as under a Slurm --mem limit), split "
                  "among the ranks on the node")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--skip-percent-replicating", f->skip_percent_replicating,
                "Leave out percent replicating, which sweeps all pairs of "
                "wells once more (twice when its one-pass window misses)");
  sub->add_option("--progress-seconds", f->options.progress_seconds,
                  "A progress line (tiles done, time left) at most this "
                  "often while the similarity tiles are swept; 0: none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--tile-precision", f->tile_precision,
                  "float32 or float64 similarity tiles; the results are the "
                  "same (every decision is made on exact float64 values), "
                  "float32 is about twice as fast")
      ->capture_default_str();
  sub->add_option("--tile-rows", f->options.tile,
                  "Rows (and columns) per similarity tile; the results do not "
                  "depend on it. Default: the largest --memory-gb allows")
      ->check(CLI::PositiveNumber);
  sub->add_option("--timeout-seconds", f->timeout_seconds,
                  "Under mpirun or srun: how long a rank waits for the others "
                  "at each combination of counts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->callback([&run, &process, f] {
    process.distributed = true;
    run = [f, &process] { return RunEvaluate(*f, process); };
  });
}

}  // namespace micon
