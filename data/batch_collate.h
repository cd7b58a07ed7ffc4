// batch_collate.h: a sampled batch -> the StepBatch the loss takes, whatever
// the samples are.
//
//   MICON_ASSIGN_OR_RETURN(StepBatch b, CollateBatch(sampled, mode, molecules,
//       [&](const ImageRef& ref, const SampleKey& key) {
//         return Load(ref, key);
//       }));
//
// The loader calls `load` once per sample with a key that identifies the
// sample's position in the batch (entry, view, role), so sources can derive
// reproducible per-sample randomness (augmentation) from (seed, step, key)
// regardless of threads.
#ifndef MICON_DATA_BATCH_COLLATE_H_
#define MICON_DATA_BATCH_COLLATE_H_

#include <ATen/core/Tensor.h>

#include <functional>

#include "absl/status/statusor.h"
#include "core/step_batch.h"
#include "data/batch_sampler.h"

namespace micon {

struct SampleKey {
  uint64_t step = 0;
  uint64_t index = 0;  // entry or image in the batch
  uint64_t view = 0;   // 0 or 1
  uint64_t role = 0;   // 0 treated, 1 control, 2 simclr view, 3 clip image
};

// One sample as a source loads it: a float view, or a raw view (int16 crop)
// with its parameters (core/raw_views.h).
struct LoadedSample {
  at::Tensor pixels;
  at::Tensor params;  // raw views only
};

using SampleLoader = std::function<absl::StatusOr<LoadedSample>(
    const ImageRef&, const SampleKey&)>;

// `molecules`: [labels, F] features indexed by compound label (micon, clip).
absl::StatusOr<StepBatch> CollateBatch(const SampledBatch& sampled,
                                       SamplingMode mode,
                                       const at::Tensor& molecules,
                                       const SampleLoader& load);

// The objective's samples the batch holds: entries (micon), images (simclr,
// clip).
int64_t SamplesInBatch(const StepBatch& batch);
// The encoder inputs they take: treated plus control views (micon), views
// (simclr), images (clip).
int64_t EncoderImagesInBatch(const StepBatch& batch);

}  // namespace micon

#endif  // MICON_DATA_BATCH_COLLATE_H_
