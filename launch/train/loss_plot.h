// loss_plot.h: the loss curve of a run as a PNG, drawn by gnuplot.
//
//   MICON_RETURN_IF_ERROR(WriteLossPlot("run/metrics.jsonl", "run/loss.png"));
//
// Plots the total loss and each part the objective has (PaCLR,
// counterfactual, NT-Xent, CLIP) against the step, raw and as a moving
// average. The data gnuplot reads is written beside the PNG (loss.tsv), so the
// curve can be redrawn or loaded elsewhere. Fails with the reason if gnuplot
// is missing or fails; the trainer reports that as a warning.
#ifndef MICON_LAUNCH_TRAIN_LOSS_PLOT_H_
#define MICON_LAUNCH_TRAIN_LOSS_PLOT_H_

#include <string>

#include "absl/status/status.h"

namespace micon {

absl::Status WriteLossPlot(const std::string& metrics_path,
                           const std::string& png_path);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_LOSS_PLOT_H_
