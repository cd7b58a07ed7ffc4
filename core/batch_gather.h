// batch_gather.h: how a loss sees the global batch. core/ only defines the
// interface; distributed/ implements it across ranks, and SingleProcessGather
// is world size 1.
//
// Contract (every implementation): Gather() is called in the same order with
// the same row width and dtype on every rank; it returns all ranks' rows
// concatenated in rank order (uneven row counts allowed) and the offset of this
// rank's rows; gradients reaching the returned tensor flow back to `local` (in
// the distributed version, as a reduce-scatter of the summed gradient). Integer
// tensors (labels) are gathered without gradient.
#ifndef MICON_CORE_BATCH_GATHER_H_
#define MICON_CORE_BATCH_GATHER_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace micon {

struct GatheredRows {
  at::Tensor global;
  int64_t offset = 0;
};

class BatchGather {
 public:
  virtual ~BatchGather() = default;
  // Gathers tensors that share their row count (embeddings and their labels,
  // say) with one exchange of row counts; returns the global tensors in the
  // same order and sets `offset`.
  virtual std::vector<at::Tensor> GatherTogether(
      const std::vector<at::Tensor>& locals, int64_t* offset) = 0;
  virtual int world_size() const = 0;

  GatheredRows Gather(const at::Tensor& local) {
    GatheredRows out;
    out.global = GatherTogether({local}, &out.offset).front();
    return out;
  }
};

class SingleProcessGather final : public BatchGather {
 public:
  std::vector<at::Tensor> GatherTogether(const std::vector<at::Tensor>& locals,
                                         int64_t* offset) override {
    *offset = 0;
    return locals;
  }
  int world_size() const override { return 1; }
};

}  // namespace micon

#endif  // MICON_CORE_BATCH_GATHER_H_
