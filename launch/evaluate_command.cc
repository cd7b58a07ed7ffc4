// micon evaluate: the metrics table for one or more sets of well profiles
// (methods), on stdout, as CSV and as a chart.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"
#include "data/screen_split.h"
#include "launch/command.h"
#include "launch/gnuplot.h"
#include "launch/profile_evaluation.h"

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
  std::string held_out_only;  // a screen.json
  EvaluationOptions options;
};

struct Method {
  std::string name;
  std::string path;
  Evaluation evaluation;
};

absl::Status WritePerCompound(const std::string& path, const Evaluation& e) {
  // One row per compound: its mAP test against DMSO, then against compounds.
  std::map<std::string, std::vector<std::string>> rows;
  auto fill = [&](const std::vector<GroupMap>& groups, size_t at) {
    for (const GroupMap& g : groups) {
      std::vector<std::string>& row = rows[g.group];
      row.resize(1 + 2 * 4);
      row[0] = g.group;
      row[at] = absl::StrFormat("%.17g", g.map);
      row[at + 1] = absl::StrFormat("%.17g", g.p_value);
      row[at + 2] = absl::StrFormat("%.17g", g.corrected_p_value);
      row[at + 3] = g.retrieved ? "1" : "0";
    }
  };
  fill(e.map_vs_dmso, 1);
  fill(e.map_vs_compounds, 5);
  std::vector<std::vector<std::string>> out;
  for (auto& [group, row] : rows) out.push_back(std::move(row));
  return WriteCsv(
      path,
      {"compound", "map_vs_dmso", "p_vs_dmso", "corrected_p_vs_dmso",
       "retrieved_vs_dmso", "map_vs_compounds", "p_vs_compounds",
       "corrected_p_vs_compounds", "retrieved_vs_compounds"},
      out);
}

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

absl::Status RunEvaluate(EvaluateFlags flags) {
  const std::vector<std::string> control =
      absl::StrSplit(flags.controls, absl::MaxSplits('=', 1));
  if (control.size() != 2 || control[0].empty()) {
    return absl::InvalidArgumentError("--controls must be COLUMN=VALUE, got '" +
                                      flags.controls + "'");
  }
  EvaluationOptions& o = flags.options;
  o.controls = {control[0], control[1]};
  if (!ParseNormalizeMethod(flags.normalize, &o.normalize)) {
    return absl::InvalidArgumentError(
        "--normalize must be none, standardize "
        "or mad, got '" +
        flags.normalize + "'");
  }
  if (!flags.replicate_groups.empty()) {
    o.replicate_groups = absl::StrSplit(flags.replicate_groups, ',');
  }
  if (!flags.held_out_only.empty()) {
    MICON_ASSIGN_OR_RETURN(const ScreenSplit split,
                           ReadScreenSplit(flags.held_out_only));
    if (split.held_out_compounds.empty()) {
      return absl::InvalidArgumentError(flags.held_out_only +
                                        ": lists no held_out_compounds");
    }
    o.only_compounds = split.held_out_compounds;
  }
  // Every flag is checked before the first (slow) evaluation.
  MICON_ASSIGN_OR_RETURN(const auto profiles,
                         ParseNamedPaths("--profiles", flags.profiles));
  MICON_ASSIGN_OR_RETURN(const auto predicted_specs,
                         ParseNamedPaths("--predicted", flags.predicted));
  const std::map<std::string, std::string> predicted(predicted_specs.begin(),
                                                     predicted_specs.end());
  for (const auto& [name, path] : predicted) {
    if (std::none_of(profiles.begin(), profiles.end(),
                     [&](const auto& p) { return p.first == name; })) {
      return absl::InvalidArgumentError("--predicted names method '" + name +
                                        "', which no --profiles gives");
    }
  }
  std::vector<Method> methods;
  for (const auto& [name, path] : profiles) {
    MICON_ASSIGN_OR_RETURN(ProfileFrame frame, ReadProfileFrame(path));
    const auto prediction = predicted.find(name);
    if (prediction != predicted.end()) {
      MICON_ASSIGN_OR_RETURN(ProfileFrame p,
                             ReadProfileFrame(prediction->second));
      MICON_ASSIGN_OR_RETURN(frame, ConcatenateRows(frame, p));
    }
    MICON_ASSIGN_OR_RETURN(Evaluation e, EvaluateProfiles(frame, o));
    std::fprintf(stderr,
                 "micon: %s: %lld treated wells of %lld compounds, %lld "
                 "control wells, %zu features, %lld scored predictions\n",
                 name.c_str(), static_cast<long long>(e.treated_wells),
                 static_cast<long long>(e.compounds),
                 static_cast<long long>(e.control_wells),
                 frame.feature_names.size(),
                 static_cast<long long>(e.predicted_queries));
    methods.push_back({name, path, std::move(e)});
  }
  // Columns: every metric any method has, in first-seen order.
  std::vector<std::string> metrics;
  for (const Method& m : methods) {
    for (const Metric& metric : m.evaluation.metrics) {
      if (std::find(metrics.begin(), metrics.end(), metric.name) ==
          metrics.end()) {
        metrics.push_back(metric.name);
      }
    }
  }
  // Four decimals on screen, every digit in the files.
  auto value = [](const Method& m, const std::string& name,
                  bool exact = false) -> std::string {
    for (const Metric& metric : m.evaluation.metrics) {
      if (metric.name == name) {
        return absl::StrFormat(exact ? "%.17g" : "%.4f", metric.value);
      }
    }
    return "-";
  };
  std::printf("%-16s", "method");
  for (const std::string& name : metrics) std::printf(" %*s", 10, name.c_str());
  std::printf("\n");
  std::vector<std::vector<std::string>> csv;
  for (const Method& m : methods) {
    std::printf("%-16s", m.name.c_str());
    std::vector<std::string> row = {m.name};
    for (const std::string& name : metrics) {
      std::printf(" %*s", static_cast<int>(std::max<size_t>(10, name.size())),
                  value(m, name).c_str());
      row.push_back(value(m, name, /*exact=*/true));
    }
    std::printf("\n");
    csv.push_back(row);
  }
  if (flags.output.empty()) return absl::OkStatus();
  std::error_code ec;
  fs::create_directories(flags.output, ec);
  if (ec) {
    return absl::PermissionDeniedError(flags.output + ": " + ec.message());
  }
  std::vector<std::string> header = {"method"};
  header.insert(header.end(), metrics.begin(), metrics.end());
  const std::string table =
      (fs::path(flags.output) / "evaluation.csv").string();
  MICON_RETURN_IF_ERROR(WriteCsv(table, header, csv));
  for (const Method& m : methods) {
    MICON_RETURN_IF_ERROR(WritePerCompound(
        (fs::path(flags.output) / ("per_compound_" + m.name + ".csv")).string(),
        m.evaluation));
  }
  // Chart: one group of bars per metric, one bar per method.
  std::string tsv = "metric";
  for (const Method& m : methods) tsv += "\t" + m.name;
  tsv += "\n";
  for (const std::string& name : metrics) {
    tsv += name;
    for (const Method& m : methods) {
      const std::string v = value(m, name);
      tsv += "\t" + (v == "-" ? std::string("0") : v);
    }
    tsv += "\n";
  }
  const std::string data = (fs::path(flags.output) / "evaluation.tsv").string();
  MICON_RETURN_IF_ERROR(WriteFileAtomically(data, tsv));
  const std::string png = (fs::path(flags.output) / "evaluation.png").string();
  std::string script = absl::StrCat(
      "set terminal pngcairo size 1100,500 noenhanced\nset output ",
      GnuplotQuoted(PartialPath(png)),
      "\nset style data histogram\nset style histogram cluster gap 1\n"
      "set style fill solid border -1\nset yrange [0:1]\nset grid ytics\n"
      "set xtics rotate by -30\nset key outside right\n"
      "set datafile separator '\\t'\nset title 'replicate metrics'\nplot ");
  for (size_t k = 0; k < methods.size(); ++k) {
    if (k) script += ", ";
    script += absl::StrCat(GnuplotQuoted(data), " using ", k + 2,
                           ":xtic(1) title columnheader");
  }
  script += "\nunset output\n";
  MICON_RETURN_IF_ERROR(RunGnuplot(script, png, data));
  std::fprintf(stderr, "micon: wrote %s, per-compound mAP and %s\n",
               table.c_str(), png.c_str());
  return absl::OkStatus();
}

}  // namespace

void AddEvaluateCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand(
      "evaluate",
      "Replicate metrics of well profiles (percent replicating, mAP vs DMSO "
      "and vs other compounds, top-k matching: all, NSB, NSS) for one or "
      "more methods");
  auto f = std::make_shared<EvaluateFlags>();
  sub->add_option("--profiles", f->profiles,
                  "NAME=PATH of a profile CSV (Metadata_* columns, then "
                  "features); repeat for each method")
      ->required();
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
  sub->add_option("--replicate-groups", f->replicate_groups,
                  "Comma-separated columns that define replicates for "
                  "percent replicating (default: the compound column)");
  sub->add_option("--held-out-only", f->held_out_only,
                  "A screen.json: score only the treated wells (and "
                  "predictions) of its held_out_compounds, the compounds "
                  "training never saw")
      ->check(CLI::ExistingFile);
  sub->add_option("--null-size", f->options.null_size,
                  "Permutations for the mAP p-values")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--seed", f->options.seed, "Seed of the permutation null")
      ->capture_default_str();
  sub->callback([&run, f] { run = [f] { return RunEvaluate(*f); }; });
}

}  // namespace micon
