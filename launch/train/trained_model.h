// trained_model.h: a training checkpoint read back as the model it holds, for
// embedding and evaluation.
//
//   MICON_ASSIGN_OR_RETURN(TrainedModel t,
//       ReadTrainedModel("runs/a/checkpoints/step-00000150.ckpt"));
//   t.config.loss.objective;  // the run's configuration, from the checkpoint
//   MICON_ASSIGN_OR_RETURN(MiconModel m,
//       t.Build({.sample_width = 5, .molecule_features = 1024}, device));
//
// Nothing but the checkpoint is needed: the model is rebuilt from the
// resolved configuration stored in it, through core/model_spec.h as in
// training, then loaded and put in evaluation mode (BatchNorm uses its
// running statistics; nothing is synchronised across ranks).
//
// LoadTrainedModel does what embedding needs around Build, on every rank:
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<LoadedModel> loaded,
//       LoadTrainedModel(t, "screens/a", DeviceChoice::kAuto, dist, log));
//   loaded->model, loaded->dataset, loaded->features, loaded->device
#ifndef MICON_LAUNCH_TRAIN_TRAINED_MODEL_H_
#define MICON_LAUNCH_TRAIN_TRAINED_MODEL_H_

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/io/checkpoint_file.h"
#include "core/micon_model.h"
#include "core/model_spec.h"
#include "data/compound_features.h"
#include "data/dataset.h"
#include "distributed/bootstrap.h"
#include "launch/train/compute_device.h"
#include "launch/train/run_log.h"
#include "launch/train/train_config.h"

namespace micon {

struct TrainedModel {
  CheckpointContents contents;
  TrainConfig config;  // the run's, from the checkpoint
  int64_t step = 0;
  uint64_t model_checksum = 0;  // recorded in the checkpoint when it was saved

  // The model for data of `inputs` with the checkpoint's parameters, in
  // evaluation mode on `device`. An error names the checkpoint when the
  // parameters do not fit (a model trained on another dataset).
  absl::StatusOr<MiconModel> Build(const ModelInputs& inputs,
                                   c10::Device device) const;
};

// Reads and verifies `path` (CRC, training state); errors name it.
absl::StatusOr<TrainedModel> ReadTrainedModel(const std::string& path);

// A checkpoint's model rebuilt on the chosen device, with the dataset it reads
// and the dataset's compounds featurised as its run featurised them.
struct LoadedModel {
  Dataset dataset;
  CompoundFeatures features;
  c10::Device device{c10::kCPU};
  MiconModel model{nullptr};
};

// Opens `dataset_path` as the run opened its dataset, featurises its
// compounds (collective: every rank of `dist` calls it), chooses the device
// (where the checkpoint was trained does not matter: it loads on any) and
// builds the model. Errors name the checkpoint, the dataset or the device.
absl::StatusOr<std::unique_ptr<LoadedModel>> LoadTrainedModel(
    const TrainedModel& trained, const std::string& dataset_path,
    DeviceChoice device, DistributedContext& dist, const RunLog& log);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAINED_MODEL_H_
