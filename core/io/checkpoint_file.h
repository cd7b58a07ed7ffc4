// checkpoint_file.h: checkpoints on disk: atomic, checksummed, the last K kept,
// damage detected.
//
//   CheckpointContents c;  c.step = 1200;  c.model = ...;  c.optimizer = ...;
//   c.metadata = json;
//   MICON_RETURN_IF_ERROR(WriteCheckpoint(run_dir + "/checkpoints", c,
//                                         /*keep_last=*/3));
//   std::vector<std::string> warnings;
//   MICON_ASSIGN_OR_RETURN(CheckpointContents latest,
//                          ReadLatestCheckpoint(dir, &warnings));
//
// A checkpoint is one file `step-<8 digits>.ckpt`: a header line
// ("micon-checkpoint 1"), the payload size and its CRC-32, then LibTorch
// archives of the model's and the optimiser's state and a metadata string (the
// trainer stores step, schedule, sampler and RNG state there as JSON). It is
// written to a temporary name, fsynced, renamed into place and the folder
// fsynced, so a crash leaves either the old or the new checkpoint, never half
// of one. Reading verifies size and checksum; a damaged newest checkpoint is
// reported in `warnings` and the previous one is used.
#ifndef MICON_CORE_IO_CHECKPOINT_FILE_H_
#define MICON_CORE_IO_CHECKPOINT_FILE_H_

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct CheckpointContents {
  int64_t step = 0;
  // A serialised torch::serialize::OutputArchive of the module.
  std::string model;
  std::string optimizer;  // likewise for the optimiser
  std::string metadata;   // free text; the trainer writes JSON
  std::string path;       // where it was read from (on read)
};

// Serialises a module's or an optimiser's state to bytes, and back. Loading
// puts the tensors on the device of the module's (the optimiser's) parameters,
// whatever device saved them: move the model first, then load.
std::string SaveModuleState(const torch::nn::Module& module);
absl::Status LoadModuleState(const std::string& bytes,
                             torch::nn::Module& module);
std::string SaveOptimizerState(const torch::optim::Optimizer& optimizer);
absl::Status LoadOptimizerState(const std::string& bytes,
                                torch::optim::Optimizer& optimizer);

absl::Status WriteCheckpoint(const std::string& dir,
                             const CheckpointContents& contents, int keep_last);
absl::StatusOr<CheckpointContents> ReadCheckpoint(const std::string& path);
// The newest readable checkpoint in `dir` that `accept` (when given) also
// takes; damaged or refused newer ones are skipped with a warning. NotFound
// when `dir` has no checkpoint, DataLoss when none is usable.
absl::StatusOr<CheckpointContents> ReadLatestCheckpoint(
    const std::string& dir, std::vector<std::string>* warnings,
    const std::function<absl::Status(const CheckpointContents&)>& accept =
        nullptr);
// The bytes of a checkpoint file, in two layers (WriteCheckpoint and
// ReadCheckpoint use them; a fuzzer uses them to reach the decoder past the
// CRC): the payload of length-prefixed fields, and the file around it (header,
// size, CRC-32). ParseCheckpoint names `path` in its errors and checks every
// size against the bytes there are before it allocates.
std::string EncodeCheckpointPayload(const CheckpointContents& contents);
std::string FrameCheckpoint(const std::string& payload);
absl::StatusOr<CheckpointContents> ParseCheckpoint(const std::string& bytes,
                                                   const std::string& path);
// Checkpoint files in `dir`, oldest first.
std::vector<std::string> ListCheckpoints(const std::string& dir);
// What interrupted checkpoint writes left in `dir` (step-*.ckpt.partial, a
// process killed mid-write): never read, replaced by the next write of that
// step, named by `micon checkpoints` and at resume.
std::vector<std::string> ListInterruptedWrites(const std::string& dir);

}  // namespace micon

#endif  // MICON_CORE_IO_CHECKPOINT_FILE_H_
