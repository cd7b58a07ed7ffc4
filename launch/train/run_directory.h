// run_directory.h: where a training run keeps its files; the one place that
// names them.
//
//   RunDirectory run(config.run.dir);
//   MICON_RETURN_IF_ERROR(run.Create(comm));    // collective
//   run.checkpoints();  // runs/a/checkpoints   (step-NNNNNNNN.ckpt, last K)
//   run.config();       // runs/a/config.yaml   (the resolved configuration
//                       //                       of the latest start)
//   run.metrics();      // runs/a/metrics.jsonl (one JSON object per step)
//   run.loss_plot();    // runs/a/loss.png      (and loss.tsv beside it)
//
// Rank 0 writes these files; every rank reads the checkpoints, so ranks must
// share the file system to resume.
#ifndef MICON_LAUNCH_TRAIN_RUN_DIRECTORY_H_
#define MICON_LAUNCH_TRAIN_RUN_DIRECTORY_H_

#include <string>

#include "absl/status/status.h"
#include "distributed/communicator.h"

namespace micon {

class RunDirectory {
 public:
  explicit RunDirectory(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string checkpoints() const;
  std::string config() const;
  std::string metrics() const;
  std::string loss_plot() const;

  // Rank 0 creates the folders; every rank returns once they exist.
  // Collective.
  absl::Status Create(Communicator& comm) const;

 private:
  std::string root_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_RUN_DIRECTORY_H_
