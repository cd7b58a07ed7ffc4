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
  } else {
    spec.profile.features = inputs.sample_width;
  }
  spec.molecule_features = inputs.molecule_features;
  return spec;
}

}  // namespace micon
