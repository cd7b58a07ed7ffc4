// Where a CellCLIP training step spends its time, at the benchmark's settings
// (deploy/configs/benchmark-cellclip.yaml): the cross-channel encoder's
// forward, the rest of the forward (heads, molecule side, CWCL or CLIP loss),
// backward and AdamW, each timed on its own over random wells; and, with a
// store, what reading every plate's vectors costs per well.
//   build/tests/bench/cellclip_phases THREADS [--layers N] [--wells B]
//       [--fields K] [--store STORE_DIR]
// Prints one line per phase, "phase <name> mean_ms <m> median_ms <x>", then
// the step's wells/s (from the mean); with --store, "store_read wells <n> s <seconds> us_per_well <x>".
// The encoder's forward is timed in a pass of its own after each step (grad
// enabled, result dropped): "forward" includes it, and forward - encoder is
// the heads and the loss. Over 50 steps after 3 of warm-up.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/batch_gather.h"
#include "core/micon_model.h"
#include "core/micon_step_loss.h"
#include "core/torch_threads.h"
#include "data/channel_embedding_store.h"
#include "data/dataset.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int ReadStore(const std::string& root) {
  const auto start = Clock::now();
  absl::StatusOr<micon::Dataset> store = micon::OpenDataset(root);
  if (!store.ok()) {
    std::fprintf(stderr, "cellclip_phases: %s\n",
                 std::string(store.status().message()).c_str());
    return 1;
  }
  int64_t wells = 0;
  for (const micon::PlateMetadata& plate : store->plates()) {
    absl::StatusOr<at::Tensor> v = micon::ReadPlateVectors(plate);
    if (!v.ok()) {
      std::fprintf(stderr, "cellclip_phases: %s\n",
                   std::string(v.status().message()).c_str());
      return 1;
    }
    std::map<std::string, int> fields;
    for (const micon::ImageRecord& r : plate.images) ++fields[r.well];
    wells += static_cast<int64_t>(fields.size());
  }
  const double s = Ms(start, Clock::now()) / 1000;
  std::printf("store_read wells %lld s %.3f us_per_well %.1f\n",
              static_cast<long long>(wells), s, 1e6 * s / wells);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: cellclip_phases THREADS [--layers N] [--wells B] "
                 "[--fields K] [--store STORE_DIR]\n");
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  int64_t layers = 2, wells = 24, fields = 2;
  std::string store;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--layers") {
      layers = std::stoll(value);
    } else if (arg == "--wells") {
      wells = std::stoll(value);
    } else if (arg == "--fields") {
      fields = std::stoll(value);
    } else if (arg == "--store") {
      store = value;
    } else {
      std::fprintf(stderr, "cellclip_phases: unknown flag %s\n", arg.c_str());
      return 2;
    }
  }
  micon::ConfigureTorchThreads(threads);
  if (!store.empty() && ReadStore(store) != 0) return 1;

  torch::manual_seed(0);
  constexpr int64_t kChannels = 5, kDim = 512, kBits = 1024;
  micon::MiconModelOptions o;
  o.input = micon::InputKind::kEmbeddings;
  o.cross_channel = micon::CrossChannelOptions{
      kChannels,  kDim, /*width=*/256, layers, /*heads=*/4, /*pool_hidden=*/128,
      /*dim=*/512};
  o.molecule_features = kBits;
  micon::MiconModel model(o);
  model->train();
  torch::optim::AdamW optimizer(
      model->ParametersFor(micon::Objective::kCellclip),
      torch::optim::AdamWOptions(1e-4).weight_decay(0.05));
  micon::StepBatch batch;
  batch.samples = torch::randn({wells, fields, kChannels, kDim});
  batch.present = torch::ones({wells, fields}, torch::kBool);
  batch.compound = torch::arange(wells);
  batch.molecule = (torch::rand({wells, kBits}) < 0.05).to(torch::kFloat);
  micon::SingleProcessGather gather;
  micon::StepLossOptions loss;
  loss.objective = micon::Objective::kCellclip;
  loss.cellclip_targets = micon::CellclipTargets::kCwcl;

  std::map<std::string, std::vector<double>> phases;
  for (int step = 0; step < 53; ++step) {
    optimizer.zero_grad();
    const auto t1 = Clock::now();
    const micon::LossParts parts =
        micon::ComputeStepLoss(*model, batch, loss, gather);
    const auto t2 = Clock::now();
    parts.total.backward();
    const auto t3 = Clock::now();
    optimizer.step();
    const auto t4 = Clock::now();
    { (void)model->EmbedWells(batch.samples, batch.present); }
    const auto t5 = Clock::now();
    if (step < 3) continue;  // warm-up
    phases["encoder_forward"].push_back(Ms(t4, t5));
    phases["forward"].push_back(Ms(t1, t2));
    phases["backward"].push_back(Ms(t2, t3));
    phases["optimizer"].push_back(Ms(t3, t4));
    phases["step_without_extra_encoder"].push_back(Ms(t1, t4));
  }
  // Means add up (forward + backward + optimizer = the step); medians of
  // steps this uneven (CPU steps vary 2-5x here) would not.
  for (const auto& [name, times] : phases) {
    std::printf("phase %s mean_ms %.2f median_ms %.2f\n", name.c_str(),
                Mean(times), Median(times));
  }
  std::printf("wells_per_s %.1f (layers %lld, %lld wells x %lld fields)\n",
              1000.0 * wells / Mean(phases["step_without_extra_encoder"]),
              static_cast<long long>(layers), static_cast<long long>(wells),
              static_cast<long long>(fields));
  return 0;
}
