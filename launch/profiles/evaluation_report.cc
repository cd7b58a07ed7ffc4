#include "launch/profiles/evaluation_report.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"
#include "data/gnuplot.h"
#include "launch/profiles/output_folder.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> MetricColumns(
    const std::vector<MethodEvaluation>& methods) {
  std::vector<std::string> metrics;
  for (const MethodEvaluation& m : methods) {
    for (const Metric& metric : m.evaluation.metrics) {
      if (std::find(metrics.begin(), metrics.end(), metric.name) ==
          metrics.end()) {
        metrics.push_back(metric.name);
      }
    }
  }
  return metrics;
}

// Four decimals on screen, every digit in the files; "-" when the method
// does not have the metric.
std::string Value(const MethodEvaluation& m, const std::string& name,
                  bool exact = false) {
  for (const Metric& metric : m.evaluation.metrics) {
    if (metric.name == name) {
      return absl::StrFormat(exact ? "%.17g" : "%.4f", metric.value);
    }
  }
  return "-";
}

absl::Status WritePerCompound(const std::string& path, const Evaluation& e) {
  // One row per compound: its mAP test against DMSO, then against compounds,
  // then its top-k metrics (the share of its query wells that hit).
  std::vector<std::string> top_k_names;
  for (const auto& [compound, metrics] : e.top_k_per_compound) {
    for (const auto& [name, value] : metrics) {
      if (std::find(top_k_names.begin(), top_k_names.end(), name) ==
          top_k_names.end()) {
        top_k_names.push_back(name);
      }
    }
  }
  const size_t width = 1 + 2 * 4 + top_k_names.size();
  std::map<std::string, std::vector<std::string>> rows;
  auto row_of = [&](const std::string& compound) -> std::vector<std::string>& {
    std::vector<std::string>& row = rows[compound];
    if (row.empty()) {
      row.resize(width);
      row[0] = compound;
    }
    return row;
  };
  auto fill = [&](const std::vector<GroupMap>& groups, size_t at) {
    for (const GroupMap& g : groups) {
      std::vector<std::string>& row = row_of(g.group);
      row[at] = absl::StrFormat("%.17g", g.map);
      row[at + 1] = absl::StrFormat("%.17g", g.p_value);
      row[at + 2] = absl::StrFormat("%.17g", g.corrected_p_value);
      row[at + 3] = g.retrieved ? "1" : "0";
    }
  };
  fill(e.map_vs_dmso, 1);
  fill(e.map_vs_compounds, 5);
  for (const auto& [compound, metrics] : e.top_k_per_compound) {
    std::vector<std::string>& row = row_of(compound);
    for (size_t k = 0; k < top_k_names.size(); ++k) {
      const auto value = metrics.find(top_k_names[k]);
      if (value != metrics.end()) {
        row[9 + k] = absl::StrFormat("%.17g", value->second);
      }
    }
  }
  std::vector<std::vector<std::string>> out;
  for (auto& [group, row] : rows) out.push_back(std::move(row));
  std::vector<std::string> header = {"compound",
                                     "map_vs_dmso",
                                     "p_vs_dmso",
                                     "corrected_p_vs_dmso",
                                     "retrieved_vs_dmso",
                                     "map_vs_compounds",
                                     "p_vs_compounds",
                                     "corrected_p_vs_compounds",
                                     "retrieved_vs_compounds"};
  header.insert(header.end(), top_k_names.begin(), top_k_names.end());
  return WriteCsv(path, header, out);
}

// One row per label shared by two or more compounds, by name: its mAP test.
absl::Status WriteConsistency(const std::string& path,
                              const Consistency& consistency) {
  std::vector<GroupMap> labels = consistency.labels;
  std::sort(
      labels.begin(), labels.end(),
      [](const GroupMap& a, const GroupMap& b) { return a.group < b.group; });
  std::vector<std::vector<std::string>> rows;
  for (const GroupMap& g : labels) {
    rows.push_back({g.group, absl::StrFormat("%.17g", g.map),
                    absl::StrCat(g.queries),
                    absl::StrFormat("%.17g", g.p_value),
                    absl::StrFormat("%.17g", g.corrected_p_value),
                    g.retrieved ? "1" : "0"});
  }
  return WriteCsv(path,
                  {"label", "map", "compounds", "p_value", "corrected_p_value",
                   "retrieved"},
                  rows);
}

// One row per compound and label it queried for, by label then compound:
// which compounds of a mechanism find the others, and which do not.
absl::Status WriteConsistencyQueries(const std::string& path,
                                     const Consistency& consistency) {
  std::vector<CompoundLabelAp> queries = consistency.queries;
  std::sort(queries.begin(), queries.end(),
            [](const CompoundLabelAp& a, const CompoundLabelAp& b) {
              return std::tie(a.label, a.compound) <
                     std::tie(b.label, b.compound);
            });
  std::vector<std::vector<std::string>> rows;
  for (const CompoundLabelAp& q : queries) {
    rows.push_back({q.label, q.compound, absl::StrFormat("%.17g", q.ap),
                    absl::StrCat(q.positives), absl::StrCat(q.candidates)});
  }
  return WriteCsv(path, {"label", "compound", "ap", "positives", "candidates"},
                  rows);
}

// Grouped bars: one group per metric, one bar per method.
absl::Status WriteChart(const std::vector<MethodEvaluation>& methods,
                        const std::vector<std::string>& metrics,
                        const fs::path& folder) {
  std::string tsv = "metric";
  for (const MethodEvaluation& m : methods) tsv += "\t" + m.name;
  tsv += "\n";
  for (const std::string& name : metrics) {
    tsv += name;
    for (const MethodEvaluation& m : methods) {
      const std::string v = Value(m, name);
      tsv += "\t" + (v == "-" ? std::string("0") : v);
    }
    tsv += "\n";
  }
  const std::string data = (folder / "evaluation.tsv").string();
  MICON_RETURN_IF_ERROR(WriteFileAtomically(data, tsv));
  const std::string png = (folder / "evaluation.png").string();
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
  return RunGnuplot(script, png, data);
}

}  // namespace

absl::StatusOr<MethodEvaluation> EvaluateMethod(
    const std::string& name, const std::string& profiles_path,
    const std::string& predicted_path, const EvaluationOptions& options,
    ShardReducer& shards) {
  MICON_ASSIGN_OR_RETURN(ProfileFrame frame, ReadProfileFrame(profiles_path));
  if (!predicted_path.empty()) {
    MICON_ASSIGN_OR_RETURN(ProfileFrame p, ReadProfileFrame(predicted_path));
    MICON_ASSIGN_OR_RETURN(frame, ConcatenateRows(frame, p));
  }
  MethodEvaluation m;
  m.name = name;
  m.path = profiles_path;
  m.features = static_cast<int64_t>(frame.feature_names.size());
  MICON_ASSIGN_OR_RETURN(m.evaluation,
                         EvaluateProfiles(frame, options, shards));
  return m;
}

std::string EvaluationTable(const std::vector<MethodEvaluation>& methods) {
  const std::vector<std::string> metrics = MetricColumns(methods);
  std::string out = absl::StrFormat("%-16s", "method");
  for (const std::string& name : metrics) {
    absl::StrAppendFormat(&out, " %*s", 10, name);
  }
  out += "\n";
  for (const MethodEvaluation& m : methods) {
    absl::StrAppendFormat(&out, "%-16s", m.name);
    for (const std::string& name : metrics) {
      absl::StrAppendFormat(&out, " %*s",
                            static_cast<int>(std::max<size_t>(10, name.size())),
                            Value(m, name));
    }
    out += "\n";
  }
  return out;
}

absl::Status WriteEvaluationReport(const std::vector<MethodEvaluation>& methods,
                                   const std::string& folder) {
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder));
  const std::vector<std::string> metrics = MetricColumns(methods);
  std::vector<std::string> header = {"method"};
  header.insert(header.end(), metrics.begin(), metrics.end());
  std::vector<std::vector<std::string>> rows;
  for (const MethodEvaluation& m : methods) {
    std::vector<std::string> row = {m.name};
    for (const std::string& name : metrics) {
      row.push_back(Value(m, name, /*exact=*/true));
    }
    rows.push_back(std::move(row));
  }
  const fs::path dir(folder);
  MICON_RETURN_IF_ERROR(
      WriteCsv((dir / "evaluation.csv").string(), header, rows));
  for (const MethodEvaluation& m : methods) {
    MICON_RETURN_IF_ERROR(WritePerCompound(
        (dir / ("per_compound_" + m.name + ".csv")).string(), m.evaluation));
    for (size_t c = 0; c < m.evaluation.consistency.size(); ++c) {
      const Consistency& consistency = m.evaluation.consistency[c];
      if (consistency.labels.empty()) continue;
      const std::string file =
          m.name + ConsistencySuffix(m.evaluation.consistency_columns, c) +
          ".csv";
      MICON_RETURN_IF_ERROR(WriteConsistency(
          (dir / ("consistency_" + file)).string(), consistency));
      MICON_RETURN_IF_ERROR(WriteConsistencyQueries(
          (dir / ("consistency_compounds_" + file)).string(), consistency));
    }
  }
  return WriteChart(methods, metrics, dir);
}

}  // namespace micon
