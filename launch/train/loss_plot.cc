#include "launch/train/loss_plot.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"
#include "data/gnuplot.h"
#include "launch/train/metrics_log.h"

namespace micon {
absl::Status WriteLossPlot(const std::string& metrics_path,
                           const std::string& png_path) {
  MICON_ASSIGN_OR_RETURN(std::vector<nlohmann::json> records,
                         ReadMetrics(metrics_path));
  if (records.empty()) {
    return absl::FailedPreconditionError(metrics_path + ": no steps to plot");
  }
  const std::vector<std::string> parts = {
      "loss",   "paclr", "counterfactual", "counterfactual_h",
      "simclr", "clip",  "cellclip"};
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
      GnuplotQuoted(PartialPath(png_path)), "\n",
      "set title 'training loss'\nset xlabel 'step'\nset ylabel 'loss'\n",
      "set key outside right\nset grid\nset datafile separator '\\t'\n",
      "plot ");
  for (size_t k = 0; k < present.size(); ++k) {
    if (k) script += ", ";
    script += absl::StrCat(GnuplotQuoted(data_path), " using 1:", 2 * k + 2,
                           " with lines lw 1 lc ", k + 1, " dt 3 notitle, ",
                           GnuplotQuoted(data_path), " using 1:", 2 * k + 3,
                           " with lines lw 2 lc ", k + 1, " title ",
                           GnuplotQuoted(present[k]));
  }
  script += "\nunset output\n";
  return RunGnuplot(script, png_path, data_path);
}

}  // namespace micon
