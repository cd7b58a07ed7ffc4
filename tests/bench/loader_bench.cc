// Loader throughput against raw HDF5 reads, 5 x 224 x 224 uint16 images with
// augmentation.
//   build/tests/bench/loader_bench SHARED_DATA_DIR [scratch_dir]
// Generates a synthetic screen (4 plates x 24 wells x 2 sites at 224 px), then
// measures:
//   raw: PlateReader::ReadImage over every image, one thread (what HDF5 alone
//   delivers); loader: MICON batches of 8 entries (32 images) with random
//   resized crop, flips, rotations and jitter, output 224 px, for 1 and 2
//   workers (images delivered per second), with the views made by the loader
//   (float views) and by the device (raw views: int16 crops + parameters;
//   the expansion, timed separately on this CPU, is what a GPU takes over).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/raw_views.h"
#include "core/torch_threads.h"
#include "data/batch_loader.h"
#include "data/plate_reader.h"
#include "data/plate_store.h"
#include "data/synthetic_screen.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

void Die(const absl::Status& s) {
  std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: loader_bench SHARED_DATA_DIR [scratch]\n");
    return 2;
  }
  micon::ConfigureTorchThreads(
      1);  // the workers are the parallelism being measured
  const std::string dir = argc > 2 ? argv[2] : "/tmp/micon_loader_bench";
  std::filesystem::remove_all(dir);
  micon::SyntheticScreenOptions o;
  o.compound_table =
      std::string(argv[1]) + "/jump_moa/JUMP-MOA_compound_metadata.tsv";
  o.output = dir;
  o.sources = 2;
  o.batches_per_source = 1;
  o.plates_per_batch = 2;
  o.held_out_compounds = 0;
  o.image_size = 224;
  auto t0 = std::chrono::steady_clock::now();
  if (auto r = micon::GenerateSyntheticScreen(o); !r.ok()) Die(r.status());
  std::printf("generated 4 plates, 192 images of 5x224x224 in %.1f s\n",
              Seconds(t0));
  auto store = micon::OpenPlateStore(dir);
  if (!store.ok()) Die(store.status());

  // Raw reads.
  int64_t images = 0;
  t0 = std::chrono::steady_clock::now();
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (const auto& plate : store->plates) {
      auto reader = micon::PlateReader::Open(plate.path);
      if (!reader.ok()) Die(reader.status());
      std::vector<uint16_t> buffer(plate.header.pixels_per_image());
      for (int64_t i = 0; i < plate.num_images(); ++i, ++images) {
        if (auto s = reader->ReadImage(i, buffer.data()); !s.ok()) Die(s);
      }
    }
  }
  const double raw = images / Seconds(t0);
  std::printf("| raw HDF5 reads, 1 thread | %.0f images/s | %.0f MB/s |\n", raw,
              raw * 5 * 224 * 224 * 2 / 1e6);

  std::map<std::string, int64_t> labels;
  for (size_t i = 0; i < store->compounds.compounds.size(); ++i) {
    labels[store->compounds.compounds[i].id] = static_cast<int64_t>(i);
  }
  std::vector<size_t> shard = {0, 1, 2, 3};
  const torch::Tensor molecules =
      torch::zeros({static_cast<int64_t>(labels.size()), 2048});
  for (const bool raw_views : {false, true}) {
    for (int workers : {1, 2}) {
      auto sampler = micon::BatchSampler::Create(
          store->plates, shard, labels,
          {micon::SamplingMode::kMicon, 8, 1, 0, 1});
      if (!sampler.ok()) Die(sampler.status());
      micon::LoaderOptions lo;
      lo.workers = workers;
      lo.output_size = 224;
      lo.raw_views = raw_views;
      auto loader = micon::BatchLoader::Create(*store, shard, molecules,
                                               *std::move(sampler), lo);
      if (!loader.ok()) Die(loader.status());
      for (int i = 0; i < 2; ++i) (void)(*loader)->Next();  // warm-up
      const int batches = 12;
      std::vector<micon::StepBatch> kept;
      t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < batches; ++i) {
        auto b = (*loader)->Next();
        if (!b.ok()) Die(b.status());
        kept.push_back(b->batch);
      }
      const double rate = batches * 32 / Seconds(t0);
      std::printf(
          "| loader, %d worker%s, %s | %.0f images/s | %.1fx raw reads "
          "needed |\n",
          workers, workers > 1 ? "s" : "",
          raw_views ? "raw views (made on the device)"
                    : "float views (made by the loader)",
          rate, raw / rate);
      if (raw_views && workers == 1) {
        // What the device does with those batches, here on one CPU thread.
        t0 = std::chrono::steady_clock::now();
        for (const micon::StepBatch& b : kept) {
          (void)micon::ExpandRawBatch(b);
        }
        std::printf("| expanding them, 1 CPU thread | %.0f images/s | |\n",
                    batches * 32 / Seconds(t0));
      }
    }
  }
  return 0;
}
