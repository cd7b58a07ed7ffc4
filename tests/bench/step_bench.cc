// Training-step throughput of micon's C++ step: forward, the MICON loss
// (PaCLR + counterfactual), backward and AdamW, at world size 1.
//   build/tests/bench/step_bench conv|profile THREADS [norm] [--device cpu|cuda]
//       [--precision fp32|bf16] [--size SIDE] [--entries N]
// conv:    ResNet-18 per-channel (the reference's layout), 8 entries = 32
//          images of 5 x 64 x 64 unless --entries/--size say otherwise,
//          Morgan 1024 bits, heads as the defaults.
// profile: MLP encoder on 512-feature profiles, 256 entries = 1024 profiles.
// bf16 autocasts the forward pass as `train.precision: bf16` does.
// Prints one line "images_per_s <x> step_ms <y>" (4 encoder images an
// entry); tests/bench/step_bench.py runs the same model, loss, batch and
// thread count in Python (same flags), and tests/bench/step_bench.sh puts
// both side by side.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/autocast_scope.h"
#include "core/batch_gather.h"
#include "core/micon_model.h"
#include "core/micon_step_loss.h"
#include "core/torch_threads.h"

namespace {

struct BenchOptions {
  std::string kind;
  int threads = 1;
  std::string norm = "batch";
  std::string device = "cpu";
  micon::Precision precision = micon::Precision::kFp32;
  int64_t size = 64;
  int64_t entries = 0;  // 0: the kind's default
};

int Usage() {
  std::fprintf(stderr,
               "usage: step_bench conv|profile THREADS [norm] [--device "
               "cpu|cuda] [--precision fp32|bf16] [--size SIDE] "
               "[--entries N]\n");
  return 2;
}

bool Parse(int argc, char** argv, BenchOptions* o) {
  if (argc < 3) return false;
  o->kind = argv[1];
  o->threads = std::stoi(argv[2]);
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      o->norm = arg;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (arg == "--device" && (value == "cpu" || value == "cuda")) {
      o->device = value;
    } else if (arg == "--precision" && (value == "fp32" || value == "bf16")) {
      o->precision =
          value == "bf16" ? micon::Precision::kBf16 : micon::Precision::kFp32;
    } else if (arg == "--size") {
      o->size = std::stoll(value);
    } else if (arg == "--entries") {
      o->entries = std::stoll(value);
    } else {
      return false;
    }
  }
  return o->kind == "conv" || o->kind == "profile";
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions bench;
  if (!Parse(argc, argv, &bench)) return Usage();
  micon::ConfigureTorchThreads(bench.threads);
  if (bench.device == "cuda" && !torch::cuda::is_available()) {
    std::fprintf(stderr,
                 "step_bench: --device cuda, but this LibTorch sees no CUDA "
                 "device (CPU build or no driver)\n");
    return 2;
  }
  const torch::Device device(bench.device);
  torch::manual_seed(0);
  micon::MiconModelOptions o;
  o.molecule_features = 1024;
  int64_t entries = bench.entries;
  std::vector<int64_t> sample_shape;
  if (bench.kind == "conv") {
    o.input = micon::InputKind::kImages;
    o.image.channels = 5;
    o.image.resnet.norm = bench.norm == "sync_batch"
                              ? micon::NormKind::kSyncBatch
                          : bench.norm == "group" ? micon::NormKind::kGroup
                                                  : micon::NormKind::kBatch;
    if (entries == 0) entries = 8;
    sample_shape = {5, bench.size, bench.size};
  } else {
    o.input = micon::InputKind::kProfiles;
    o.profile.features = 512;
    if (entries == 0) entries = 256;
    sample_shape = {512};
  }
  micon::MiconModel model(o);
  model->to(device);
  model->train();
  const std::vector<torch::Tensor> params =
      model->ParametersFor(micon::Objective::kMicon);
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(1e-4));
  std::vector<int64_t> shape = {entries, 2};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  micon::StepBatch batch;
  batch.samples = torch::randn(shape).to(device);
  batch.controls = torch::randn(shape).to(device);
  batch.compound = (torch::arange(entries) % (entries / 2)).to(device);
  batch.molecule =
      (torch::rand({entries, 1024}) < 0.05).to(torch::kFloat).to(device);
  micon::SingleProcessGather gather;
  micon::StepLossOptions loss;
  loss.temperature = 0.2;
  const c10::ScalarType dtype = micon::AutocastDtype(bench.precision);
  auto step = [&] {
    optimizer.zero_grad();
    micon::LossParts parts;
    {
      micon::AutocastScope autocast(dtype, device);
      parts = micon::ComputeStepLoss(*model, batch, loss, gather);
    }
    parts.total.backward();
    optimizer.step();
    return parts.total.detach();
  };
  // Reading a loss waits for the device's queue, so the clock sees the work.
  for (int i = 0; i < 2; ++i) step();
  step().item<float>();  // 3 warm-up steps
  const int steps = bench.kind == "conv" ? 10 : 30;
  const auto t0 = std::chrono::steady_clock::now();
  torch::Tensor last;
  for (int i = 0; i < steps; ++i) last = step();
  last.item<float>();
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count() /
      steps;
  std::printf("images_per_s %.1f step_ms %.1f\n", 4.0 * entries / s, 1000 * s);
  return 0;
}
