#include "data/batch_collate.h"

#include <torch/torch.h>

#include "core/status_macros.h"

namespace micon {

absl::StatusOr<StepBatch> CollateBatch(const SampledBatch& sampled,
                                       SamplingMode mode,
                                       const at::Tensor& molecules,
                                       const SampleLoader& load) {
  StepBatch out;
  const uint64_t s = static_cast<uint64_t>(sampled.step);
  switch (mode) {
    case SamplingMode::kMicon: {
      std::vector<torch::Tensor> treated, controls;
      std::vector<int64_t> labels;
      for (size_t e = 0; e < sampled.entries.size(); ++e) {
        const MiconEntry& entry = sampled.entries[e];
        std::vector<torch::Tensor> t(2), c(2);
        for (uint64_t v = 0; v < 2; ++v) {
          MICON_ASSIGN_OR_RETURN(t[v], load(entry.treated[v], {s, e, v, 0}));
          MICON_ASSIGN_OR_RETURN(c[v], load(entry.control[v], {s, e, v, 1}));
        }
        treated.push_back(torch::stack(t));
        controls.push_back(torch::stack(c));
        labels.push_back(entry.compound);
      }
      out.samples = torch::stack(treated);
      out.controls = torch::stack(controls);
      out.compound = torch::tensor(labels, torch::kLong);
      out.molecule = molecules.index_select(0, out.compound);
      return out;
    }
    case SamplingMode::kSimclr: {
      std::vector<torch::Tensor> views;
      for (size_t i = 0; i < sampled.images.size(); ++i) {
        MICON_ASSIGN_OR_RETURN(torch::Tensor a,
                               load(sampled.images[i], {s, i, 0, 2}));
        MICON_ASSIGN_OR_RETURN(torch::Tensor b,
                               load(sampled.images[i], {s, i, 1, 2}));
        views.push_back(torch::stack({a, b}));
      }
      out.samples = torch::stack(views);
      return out;
    }
    case SamplingMode::kClip: {
      std::vector<torch::Tensor> images;
      for (size_t i = 0; i < sampled.images.size(); ++i) {
        MICON_ASSIGN_OR_RETURN(torch::Tensor a,
                               load(sampled.images[i], {s, i, 0, 3}));
        images.push_back(a.unsqueeze(0));
      }
      out.samples = torch::stack(images);
      out.compound = torch::tensor(sampled.compounds, torch::kLong);
      out.molecule = molecules.index_select(0, out.compound);
      return out;
    }
  }
  return absl::InternalError("unknown sampling mode");
}

int64_t SamplesInBatch(const StepBatch& batch) {
  int64_t n = batch.samples.defined()
                  ? batch.samples.size(0) * batch.samples.size(1)
                  : 0;
  if (batch.controls.defined())
    n += batch.controls.size(0) * batch.controls.size(1);
  return n;
}

}  // namespace micon
