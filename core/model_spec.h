// model_spec.h: a model as a run's configuration describes it, made concrete
// by the data it meets.
//
//   MiconModelOptions spec = config.model;    // everything but the data's sizes
//   MiconModel model(ModelOptionsFor(spec, {.sample_width = 5,
//                                           .molecule_features = 1024}));
//
// The configuration holds a MiconModelOptions whose data-dependent fields
// (stains per image or features per profile, the fingerprint width) are
// unknown until the dataset is opened. Training and every reader of a
// checkpoint build the model through this one function, so a checkpoint is
// always rebuilt the way it was trained.
#ifndef MICON_CORE_MODEL_SPEC_H_
#define MICON_CORE_MODEL_SPEC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cross_rank_sum.h"
#include "core/micon_model.h"

namespace micon {

struct ModelInputs {
  // images: stains per image; profiles: features; embeddings: channels
  int64_t sample_width = 0;
  int64_t molecule_features = 0;  // the molecule featuriser's width
  int64_t embedding_width = 0;    // embeddings: D, each channel's vector
  std::vector<std::string> channel_names;  // embeddings: the store's
};

// `sync` is the cross-rank sum of synchronised BatchNorm (training on several
// ranks); null for one rank and for evaluation, where BatchNorm uses its
// running statistics. It is used only when the spec asks for sync_batch.
MiconModelOptions ModelOptionsFor(MiconModelOptions spec,
                                  const ModelInputs& inputs,
                                  std::shared_ptr<CrossRankSum> sync = nullptr);

}  // namespace micon

#endif  // MICON_CORE_MODEL_SPEC_H_
