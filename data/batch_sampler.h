// batch_sampler.h: which images make up each step's batch on this rank.
//
//   MICON_ASSIGN_OR_RETURN(BatchSampler sampler,
//       BatchSampler::Create(store.plates, shard, compound_labels,
//                            {SamplingMode::kMicon, 8, seed, rank, world}));
//   SampledBatch b = sampler.Next();     // step 0, then 1, ...
//
// Modes:
//  - micon (also paclr): B entries, each two treated images of one compound
//    from two different plates of this rank's shard (different batches
//    whenever the shard allows; two wells of one plate when the compound is
//    on one plate only, as in a one-plate screen), and for each a DMSO
//    control from the same plate. Compounds are distinct within an entry set
//    while enough are available.
//  - simclr: B images (treated or control); the loader makes two augmented
//    views of each.
//  - clip: B treated images, first of the compounds this rank owns at this
//    step (each compound belongs to exactly one rank, by a rotating hash
//    partition, so they are distinct across the global batch), then, when
//    the rank owns fewer than B, of all its shard's compounds in a shuffled
//    cycle: compounds then repeat, within and across ranks, and the CLIP loss
//    masks same-compound pairs out of its negatives.
// A batch is a pure function of (seed, rank, step): the whole sampler state is
// the step counter, so restoring it reproduces the same future batches exactly.
#ifndef MICON_DATA_BATCH_SAMPLER_H_
#define MICON_DATA_BATCH_SAMPLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/plate.h"

namespace micon {

enum class SamplingMode { kMicon, kSimclr, kClip };

struct SamplerOptions {
  SamplingMode mode = SamplingMode::kMicon;
  // Entries (micon) or images (simclr, clip) per rank and step.
  int64_t batch_size = 8;
  uint64_t seed = 0;
  int rank = 0;
  int world_size = 1;
};

// An image of the store: plate index (into the store's plate list) and image
// index.
struct ImageRef {
  int64_t plate = -1;
  int64_t image = -1;
  bool operator==(const ImageRef& o) const {
    return plate == o.plate && image == o.image;
  }
};

struct MiconEntry {
  ImageRef treated[2];
  ImageRef control[2];
  int64_t compound = -1;  // label: the compound's row in compounds.csv
};

struct SampledBatch {
  int64_t step = 0;
  std::vector<MiconEntry> entries;  // micon
  std::vector<ImageRef> images;     // simclr, clip
  std::vector<int64_t> compounds;   // clip: the label of each image
};

struct SamplerState {
  uint64_t seed = 0;
  int64_t step = 0;
};

class BatchSampler {
 public:
  // `plates`: the store's plate list; `shard`: the indices this rank reads;
  // `labels`: compound id -> label. Treated images of compounds outside
  // `labels` (excluded, or held out for evaluation) are never sampled.
  // Fails, naming the reason, if the shard cannot produce the mode's batches
  // (no compound on two plates, a plate without controls, ...).
  static absl::StatusOr<BatchSampler> Create(
      const std::vector<PlateMetadata>& plates,
      const std::vector<size_t>& shard,
      const std::map<std::string, int64_t>& labels,
      const SamplerOptions& options);

  SampledBatch Batch(int64_t step) const;
  SampledBatch Next() { return Batch(step_++); }
  SamplerState state() const { return {options_.seed, step_}; }
  absl::Status Restore(const SamplerState& state);
  const SamplerOptions& options() const { return options_; }

 private:
  struct CompoundImages {
    int64_t label;
    // Plate -> treated image indices.
    std::map<int64_t, std::vector<int64_t>> by_plate;
  };
  SamplerOptions options_;
  int64_t step_ = 0;
  // Compounds with >= 2 treated images (micon) or any (clip).
  std::vector<CompoundImages> compounds_;
  // Plate -> control image indices.
  std::map<int64_t, std::vector<int64_t>> controls_;
  std::map<int64_t, std::string> batch_of_;  // plate -> source/batch
  std::vector<ImageRef> all_images_;         // simclr
};

}  // namespace micon

#endif  // MICON_DATA_BATCH_SAMPLER_H_
