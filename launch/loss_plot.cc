#include "launch/loss_plot.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "launch/metrics_log.h"

namespace micon {
namespace {

// gnuplot strings are single-quoted; a quote inside is doubled.
std::string Quoted(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "''"}}) + "'";
}

std::string ShellQuoted(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "'\\''"}}) + "'";
}

}  // namespace

absl::Status WriteLossPlot(const std::string& metrics_path,
                           const std::string& png_path) {
  MICON_ASSIGN_OR_RETURN(std::vector<nlohmann::json> records,
                         ReadMetrics(metrics_path));
  if (records.empty()) {
    return absl::FailedPreconditionError(metrics_path + ": no steps to plot");
  }
  const std::vector<std::string> parts = {"loss", "paclr", "counterfactual",
                                          "simclr", "clip"};
  std::vector<std::string> present;
  for (const std::string& p : parts) {
    if (records.front().contains(p)) present.push_back(p);
  }
  // A trailing mean over ~2% of the run shows the trend through the noise of
  // small batches; it is computed here and written beside the raw values.
  const size_t window = std::max<size_t>(1, records.size() / 50);
  std::string table = "step";
  for (const std::string& p : present) table += "\t" + p + "\t" + p + "_mean";
  table += "\n";
  std::vector<double> sums(present.size(), 0.0);
  for (size_t i = 0; i < records.size(); ++i) {
    table += std::to_string(records[i]["step"].get<int64_t>());
    for (size_t k = 0; k < present.size(); ++k) {
      auto value = [&](size_t row) {
        const nlohmann::json& r = records[row];
        return r.contains(present[k]) && r[present[k]].is_number()
                   ? r[present[k]].get<double>()
                   : 0.0;
      };
      sums[k] += value(i);
      if (i >= window) sums[k] -= value(i - window);
      const double mean =
          sums[k] / static_cast<double>(std::min(i + 1, window));
      table += absl::StrCat("\t", value(i), "\t", mean);
    }
    table += "\n";
  }
  const std::filesystem::path png(png_path);
  const std::string data_path =
      (png.parent_path() / (png.stem().string() + ".tsv")).string();
  MICON_RETURN_IF_ERROR(WriteFileAtomically(data_path, table));

  std::string script = absl::StrCat(
      "set terminal pngcairo size 900,540 noenhanced\n", "set output ",
      Quoted(PartialPath(png_path)), "\n",
      "set title 'training loss'\nset xlabel 'step'\nset ylabel 'loss'\n",
      "set key outside right\nset grid\nset datafile separator '\\t'\n",
      "plot ");
  for (size_t k = 0; k < present.size(); ++k) {
    if (k) script += ", ";
    script += absl::StrCat(
        Quoted(data_path), " using 1:", 2 * k + 2, " with lines lw 1 lc ",
        k + 1, " dt 3 notitle, ", Quoted(data_path), " using 1:", 2 * k + 3,
        " with lines lw 2 lc ", k + 1, " title ", Quoted(present[k]));
  }
  script += "\nunset output\n";
  const std::string script_path = data_path + ".gp";
  MICON_RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  const std::string command = "gnuplot " + ShellQuoted(script_path) + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot start gnuplot");
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe)) output += buffer;
  const int status = pclose(pipe);
  std::error_code ignored;
  std::filesystem::remove(script_path, ignored);
  if (status != 0) {
    std::filesystem::remove(PartialPath(png_path), ignored);
    const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
    return absl::FailedPreconditionError(
        missing ? "gnuplot is not installed (apt-get install gnuplot-nox); "
                  "the loss table is in " +
                      data_path
                : "gnuplot failed: " + output);
  }
  return CommitFile(PartialPath(png_path), png_path);
}

}  // namespace micon
