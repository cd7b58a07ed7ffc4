#include "data/batch_sampler.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "data/random_stream.h"

namespace micon {
namespace {

template <typename T>
const T& Pick(const std::vector<T>& v, std::mt19937_64& rng) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

}  // namespace

absl::StatusOr<BatchSampler> BatchSampler::Create(
    const std::vector<PlateMetadata>& plates, const std::vector<size_t>& shard,
    const std::map<std::string, int64_t>& labels,
    const SamplerOptions& options) {
  if (options.batch_size < 1)
    return absl::InvalidArgumentError("batch size must be >= 1");
  if (options.world_size < 1 || options.rank < 0 ||
      options.rank >= options.world_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank ", options.rank, " outside world of ", options.world_size));
  }
  if (shard.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", options.rank, " has no plates"));
  }
  BatchSampler s;
  s.options_ = options;
  std::map<int64_t, CompoundImages> by_label;
  for (size_t p : shard) {
    const PlateMetadata& plate = plates.at(p);
    const int64_t pi = static_cast<int64_t>(p);
    s.batch_of_[pi] = plate.header.source + "/" + plate.header.batch;
    for (int64_t i = 0; i < plate.num_images(); ++i) {
      const ImageRecord& r = plate.images[i];
      if (r.control) {
        s.all_images_.push_back({pi, i});
        s.controls_[pi].push_back(i);
        continue;
      }
      // A compound outside `labels` (invalid SMILES, held out for evaluation)
      // is never sampled, in any mode.
      auto label = labels.find(r.compound);
      if (label == labels.end()) continue;
      s.all_images_.push_back({pi, i});
      CompoundImages& c = by_label[label->second];
      c.label = label->second;
      c.by_plate[pi].push_back(i);
    }
    if (options.mode == SamplingMode::kMicon && s.controls_[pi].empty()) {
      return absl::InvalidArgumentError(
          plate.path +
          ": no control images; MICON pairs treated images with same-plate "
          "controls");
    }
  }
  for (auto& [label, c] : by_label) {
    size_t images = 0;
    for (const auto& [plate, indices] : c.by_plate) images += indices.size();
    if (options.mode != SamplingMode::kMicon || images >= 2)
      s.compounds_.push_back(c);
  }
  if (options.mode != SamplingMode::kSimclr && s.compounds_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank ", options.rank, ": no compound ",
        options.mode == SamplingMode::kMicon
            ? "has two treated images in this rank's shard"
            : "has treated images in this rank's shard",
        "; use fewer ranks or a layout with replicates across plates"));
  }
  return s;
}

absl::Status BatchSampler::Restore(const SamplerState& state) {
  if (state.seed != options_.seed) {
    return absl::FailedPreconditionError(
        absl::StrCat("sampler state has seed ", state.seed, ", this sampler ",
                     options_.seed));
  }
  if (state.step < 0)
    return absl::InvalidArgumentError("negative sampler step");
  step_ = state.step;
  return absl::OkStatus();
}

SampledBatch BatchSampler::Batch(int64_t step) const {
  SampledBatch out;
  out.step = step;
  std::mt19937_64 rng = RandomStream(
      options_.seed,
      {uint64_t(options_.rank), uint64_t(step), uint64_t(options_.mode)});
  const int64_t b = options_.batch_size;
  switch (options_.mode) {
    case SamplingMode::kSimclr:
      for (int64_t i = 0; i < b; ++i)
        out.images.push_back(Pick(all_images_, rng));
      return out;
    case SamplingMode::kClip: {
      // First this rank's compounds at this step: a rotating hash partition
      // over ranks, so no compound appears twice in the global batch while
      // every rank owns at least batch_size of them. The rest of the batch
      // cycles through all of the shard's compounds, so a compound may repeat
      // within a rank and across ranks; the CLIP loss masks same-compound
      // pairs out of the negatives.
      std::vector<const CompoundImages*> mine, all;
      for (const CompoundImages& c : compounds_) {
        all.push_back(&c);
        const uint64_t owner = (StableHash(std::to_string(c.label)) +
                                static_cast<uint64_t>(step)) %
                               static_cast<uint64_t>(options_.world_size);
        if (owner == static_cast<uint64_t>(options_.rank)) mine.push_back(&c);
      }
      std::shuffle(mine.begin(), mine.end(), rng);
      std::shuffle(all.begin(), all.end(), rng);
      for (int64_t i = 0; i < b; ++i) {
        const size_t owned = mine.size();
        const CompoundImages& c =
            static_cast<size_t>(i) < owned
                ? *mine[static_cast<size_t>(i)]
                : *all[(static_cast<size_t>(i) - owned) % all.size()];
        std::vector<int64_t> plates;
        for (const auto& [plate, images] : c.by_plate) plates.push_back(plate);
        const int64_t plate = Pick(plates, rng);
        out.images.push_back({plate, Pick(c.by_plate.at(plate), rng)});
        out.compounds.push_back(c.label);
      }
      return out;
    }
    case SamplingMode::kMicon: {
      std::vector<size_t> order(compounds_.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), rng);
      for (int64_t e = 0; e < b; ++e) {
        const CompoundImages& c = compounds_[order[e % order.size()]];
        std::vector<int64_t> plates;
        for (const auto& [plate, images] : c.by_plate) plates.push_back(plate);
        const int64_t first = Pick(plates, rng);
        // The second plate: from another batch when the compound has one, else
        // another plate, else (a compound on one plate only, as in a
        // one-plate screen) another well of the same plate.
        std::vector<int64_t> other_batch, other_plate;
        for (int64_t p : plates) {
          if (p == first) continue;
          other_plate.push_back(p);
          if (batch_of_.at(p) != batch_of_.at(first)) other_batch.push_back(p);
        }
        MiconEntry entry;
        entry.compound = c.label;
        if (other_plate.empty()) {
          std::vector<int64_t> images = c.by_plate.at(first);
          std::shuffle(images.begin(), images.end(), rng);
          for (int v = 0; v < 2; ++v) {
            entry.treated[v] = {first, images[static_cast<size_t>(v)]};
            entry.control[v] = {first, Pick(controls_.at(first), rng)};
          }
          out.entries.push_back(entry);
          continue;
        }
        const int64_t second =
            Pick(other_batch.empty() ? other_plate : other_batch, rng);
        const int64_t pair[2] = {first, second};
        for (int v = 0; v < 2; ++v) {
          entry.treated[v] = {pair[v], Pick(c.by_plate.at(pair[v]), rng)};
          entry.control[v] = {pair[v], Pick(controls_.at(pair[v]), rng)};
        }
        out.entries.push_back(entry);
      }
      return out;
    }
  }
  return out;
}

}  // namespace micon
