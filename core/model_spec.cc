#include "core/model_spec.h"

#include <utility>

namespace micon {

MiconModelOptions ModelOptionsFor(MiconModelOptions spec,
                                  const ModelInputs& inputs,
                                  std::shared_ptr<CrossRankSum> sync) {
  if (spec.input == InputKind::kImages) {
    spec.image.channels = inputs.sample_width;
    spec.image.resnet.sync = spec.image.resnet.norm == NormKind::kSyncBatch
                                 ? std::move(sync)
                                 : nullptr;
  } else if (spec.input == InputKind::kProfiles) {
    spec.profile.features = inputs.sample_width;
  } else {
    spec.cross_channel.channels = inputs.sample_width;
    spec.cross_channel.input_dim = inputs.embedding_width;
    spec.cross_channel.channel_names = inputs.channel_names;
  }
  spec.molecule_features = inputs.molecule_features;
  return spec;
}

}  // namespace micon
