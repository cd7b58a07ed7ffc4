#include "data/batch_collate.h"

#include <torch/torch.h>

#include "core/status_macros.h"

namespace micon {
namespace {

// The views of one entry (or image), stacked along V; and their parameters,
// when they are raw views.
struct Stacked {
  std::vector<torch::Tensor> pixels, params;
  void Add(const LoadedSample& s) {
    pixels.push_back(s.pixels);
    if (s.params.defined()) params.push_back(s.params);
  }
};

// Rows of per-entry stacks ([V, ...] each) into [B, V, ...].
struct Rows {
  std::vector<torch::Tensor> pixels, params;
  void Add(const Stacked& s) {
    pixels.push_back(torch::stack(s.pixels));
    if (!s.params.empty()) params.push_back(torch::stack(s.params));
  }
  torch::Tensor Pixels() const { return torch::stack(pixels); }
  torch::Tensor Params() const {
    return params.empty() ? torch::Tensor() : torch::stack(params);
  }
};

}  // namespace

absl::StatusOr<StepBatch> CollateBatch(const SampledBatch& sampled,
                                       SamplingMode mode,
                                       const at::Tensor& molecules,
                                       const SampleLoader& load) {
  StepBatch out;
  const uint64_t s = static_cast<uint64_t>(sampled.step);
  Rows samples, controls;
  switch (mode) {
    case SamplingMode::kMicon: {
      std::vector<int64_t> labels;
      for (size_t e = 0; e < sampled.entries.size(); ++e) {
        const MiconEntry& entry = sampled.entries[e];
        Stacked t, c;
        for (uint64_t v = 0; v < 2; ++v) {
          MICON_ASSIGN_OR_RETURN(LoadedSample a,
                                 load(entry.treated[v], {s, e, v, 0}));
          MICON_ASSIGN_OR_RETURN(LoadedSample b,
                                 load(entry.control[v], {s, e, v, 1}));
          t.Add(a);
          c.Add(b);
        }
        samples.Add(t);
        controls.Add(c);
        labels.push_back(entry.compound);
      }
      out.samples = samples.Pixels();
      out.sample_view_params = samples.Params();
      out.controls = controls.Pixels();
      out.control_view_params = controls.Params();
      out.compound = torch::tensor(labels, torch::kLong);
      out.molecule = molecules.index_select(0, out.compound);
      return out;
    }
    case SamplingMode::kSimclr: {
      for (size_t i = 0; i < sampled.images.size(); ++i) {
        Stacked views;
        for (uint64_t v = 0; v < 2; ++v) {
          MICON_ASSIGN_OR_RETURN(LoadedSample a,
                                 load(sampled.images[i], {s, i, v, 2}));
          views.Add(a);
        }
        samples.Add(views);
      }
      out.samples = samples.Pixels();
      out.sample_view_params = samples.Params();
      return out;
    }
    case SamplingMode::kClip: {
      for (size_t i = 0; i < sampled.images.size(); ++i) {
        MICON_ASSIGN_OR_RETURN(LoadedSample a,
                               load(sampled.images[i], {s, i, 0, 3}));
        Stacked one;
        one.Add(a);
        samples.Add(one);
      }
      out.samples = samples.Pixels();
      out.sample_view_params = samples.Params();
      out.compound = torch::tensor(sampled.compounds, torch::kLong);
      out.molecule = molecules.index_select(0, out.compound);
      return out;
    }
  }
  return absl::InternalError("unknown sampling mode");
}

int64_t SamplesInBatch(const StepBatch& batch) {
  return batch.samples.defined() ? batch.samples.size(0) : 0;
}

int64_t EncoderImagesInBatch(const StepBatch& batch) {
  int64_t n = batch.samples.defined()
                  ? batch.samples.size(0) * batch.samples.size(1)
                  : 0;
  if (batch.controls.defined())
    n += batch.controls.size(0) * batch.controls.size(1);
  return n;
}

}  // namespace micon
