// Training-step throughput of micon's C++ step: forward, the MICON loss
// (PaCLR + counterfactual), backward and AdamW, at world size 1.
//   build/tests/bench/step_bench conv|profile THREADS [norm]
// conv:    ResNet-18 per-channel (the reference's layout), 8 entries = 32
//          images of 5 x 64 x 64, Morgan 1024 bits, heads as the defaults.
// profile: MLP encoder on 512-feature profiles, 256 entries = 1024 profiles.
// Prints one line "samples_per_s <x> step_ms <y>"; tests/bench/step_bench.py
// runs the same model, loss, batch and thread count in Python, and
// tests/bench/step_bench.sh puts both side by side.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "core/batch_gather.h"
#include "core/micon_model.h"
#include "core/micon_step_loss.h"
#include "core/torch_threads.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: step_bench conv|profile THREADS [norm]\n");
    return 2;
  }
  const std::string kind = argv[1];
  micon::ConfigureTorchThreads(std::stoi(argv[2]));
  const std::string norm = argc > 3 ? argv[3] : "batch";
  torch::manual_seed(0);
  micon::MiconModelOptions o;
  o.molecule_features = 1024;
  int64_t entries = 0;
  std::vector<int64_t> sample_shape;
  if (kind == "conv") {
    o.input = micon::InputKind::kImages;
    o.image.channels = 5;
    o.image.resnet.norm = norm == "sync_batch" ? micon::NormKind::kSyncBatch
                          : norm == "group"    ? micon::NormKind::kGroup
                                               : micon::NormKind::kBatch;
    entries = 8;
    sample_shape = {5, 64, 64};
  } else {
    o.input = micon::InputKind::kProfiles;
    o.profile.features = 512;
    entries = 256;
    sample_shape = {512};
  }
  micon::MiconModel model(o);
  model->train();
  const std::vector<torch::Tensor> params =
      model->ParametersFor(micon::Objective::kMicon);
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(1e-4));
  std::vector<int64_t> shape = {entries, 2};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  micon::StepBatch batch;
  batch.samples = torch::randn(shape);
  batch.controls = torch::randn(shape);
  batch.compound = torch::arange(entries) % (entries / 2);
  batch.molecule = (torch::rand({entries, 1024}) < 0.05).to(torch::kFloat);
  micon::SingleProcessGather gather;
  micon::StepLossOptions loss;
  loss.temperature = 0.2;
  auto step = [&] {
    optimizer.zero_grad();
    micon::LossParts parts =
        micon::ComputeStepLoss(*model, batch, loss, gather);
    parts.total.backward();
    optimizer.step();
  };
  for (int i = 0; i < 3; ++i) step();
  const int steps = kind == "conv" ? 10 : 30;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step();
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count() /
      steps;
  std::printf("samples_per_s %.1f step_ms %.1f\n", 4.0 * entries / s, 1000 * s);
  return 0;
}
