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
  int64_t images = 0;       // samples the batch holds (throughput)
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
