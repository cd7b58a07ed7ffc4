// gnuplot.h: draws a PNG by running gnuplot on a script micon wrote; the
// charts of the training (loss curve) and profiling (evaluation) libraries.
//
//   MICON_RETURN_IF_ERROR(RunGnuplot(script, "run/loss.png", "run/loss.tsv"));
//
// The script must `set output` to PartialPath(png_path); the PNG is committed
// under its name only when gnuplot succeeds. `data_path` (the table the plot
// reads, kept beside it) is named in the error when gnuplot is missing.
#ifndef MICON_DATA_GNUPLOT_H_
#define MICON_DATA_GNUPLOT_H_

#include <string>

#include "absl/status/status.h"

namespace micon {

absl::Status RunGnuplot(const std::string& script, const std::string& png_path,
                        const std::string& data_path);

// A gnuplot string literal: single-quoted, a quote inside doubled.
std::string GnuplotQuoted(const std::string& s);

}  // namespace micon

#endif  // MICON_DATA_GNUPLOT_H_
