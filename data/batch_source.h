// batch_source.h: what the trainer pulls training batches from, whatever the
// input (images from plates, or profile vectors).
//
//   std::unique_ptr<BatchSource> source = ...;  // a BatchLoader, ...
//   MICON_ASSIGN_OR_RETURN(LoadedBatch b, source->Next());
//   SamplerState resume_here = source->state();
//
// A source's batches are a pure function of its seed, rank and step, so
// state() (the step of the next batch) is all a checkpoint needs to continue
// it exactly.
#ifndef MICON_DATA_BATCH_SOURCE_H_
#define MICON_DATA_BATCH_SOURCE_H_

#include "absl/status/statusor.h"
#include "core/step_batch.h"
#include "data/batch_sampler.h"

namespace micon {

struct LoadedBatch {
  int64_t step = 0;
  StepBatch batch;
  double wait_seconds = 0;  // how long Next() waited for it (data-wait share)
  // Throughput: the objective's samples (data.batch_size's unit: a MICON or
  // PaCLR entry, a SimCLR or CLIP image, a CellCLIP well), and the encoder
  // inputs they take (views and controls included: 4 per MICON entry).
  int64_t samples = 0;
  int64_t images = 0;
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual absl::StatusOr<LoadedBatch> Next() = 0;
  // The sampler state of the batch Next() returns next.
  virtual SamplerState state() const = 0;
};

}  // namespace micon

#endif  // MICON_DATA_BATCH_SOURCE_H_
