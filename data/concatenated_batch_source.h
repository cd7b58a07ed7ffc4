// concatenated_batch_source.h: one process drawing what N ranks draw. Each
// part is the batch source rank r of N would build (its shard, its streams);
// Next() returns their batches concatenated in rank order: the global batch
// of an N-rank step, which `distributed.emulate_ranks` trains on at world 1 to
// check the N-rank invariant end to end (docs/DISTRIBUTED.md).
//
//   std::vector<std::unique_ptr<BatchSource>> parts = ...;  // ranks 0..N-1
//   MICON_ASSIGN_OR_RETURN(auto source,
//                          ConcatenatedBatchSource::Create(std::move(parts)));
//
// Wells of CellCLIP batches (samples [B, K, C, D], present [B, K]) are padded
// to the largest K with absent fields, which a well's embedding ignores.
#ifndef MICON_DATA_CONCATENATED_BATCH_SOURCE_H_
#define MICON_DATA_CONCATENATED_BATCH_SOURCE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "data/batch_source.h"

namespace micon {

class ConcatenatedBatchSource final : public BatchSource {
 public:
  static absl::StatusOr<std::unique_ptr<ConcatenatedBatchSource>> Create(
      std::vector<std::unique_ptr<BatchSource>> parts);

  absl::StatusOr<LoadedBatch> Next() override;
  // Every part is at the same step (they are drawn together).
  SamplerState state() const override { return parts_.front()->state(); }

 private:
  explicit ConcatenatedBatchSource(
      std::vector<std::unique_ptr<BatchSource>> parts)
      : parts_(std::move(parts)) {}

  std::vector<std::unique_ptr<BatchSource>> parts_;
};

// The batches' rows in order, as one batch (exposed for its test).
StepBatch ConcatenateBatches(const std::vector<StepBatch>& batches);

}  // namespace micon

#endif  // MICON_DATA_CONCATENATED_BATCH_SOURCE_H_
