#include "data/concatenated_batch_source.h"

#include <torch/torch.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace micon {

namespace {

// Wells [B, K, ...] and their present [B, K], padded to `slots` fields.
torch::Tensor PadFields(const torch::Tensor& t, int64_t slots) {
  if (t.size(1) == slots) return t;
  std::vector<int64_t> shape = t.sizes().vec();
  shape[1] = slots - t.size(1);
  return torch::cat({t, torch::zeros(shape, t.options())}, 1);
}

torch::Tensor Concatenate(const std::vector<StepBatch>& batches,
                          at::Tensor StepBatch::*member, const char* name,
                          int64_t field_slots) {
  std::vector<torch::Tensor> rows;
  for (const StepBatch& b : batches) {
    const at::Tensor& t = b.*member;
    TORCH_CHECK(t.defined() == (batches.front().*member).defined(),
                "batch parts disagree on whether they hold ", name);
    if (!t.defined()) return {};
    rows.push_back(field_slots > 0 ? PadFields(t, field_slots) : t);
  }
  return torch::cat(rows, 0);
}

}  // namespace

StepBatch ConcatenateBatches(const std::vector<StepBatch>& batches) {
  TORCH_CHECK(!batches.empty(), "no batches to concatenate");
  // CellCLIP's wells: pad every part to the most fields a part holds.
  int64_t slots = 0;
  const bool wells = batches.front().present.defined();
  for (const StepBatch& b : batches) {
    TORCH_CHECK(b.view_size == batches.front().view_size,
                "batch parts disagree on the view size");
    if (wells) slots = std::max(slots, b.present.size(1));
  }
  StepBatch out;
  out.samples = Concatenate(batches, &StepBatch::samples, "samples", slots);
  out.present = Concatenate(batches, &StepBatch::present, "present", slots);
  out.controls = Concatenate(batches, &StepBatch::controls, "controls", 0);
  out.compound = Concatenate(batches, &StepBatch::compound, "compound", 0);
  out.molecule = Concatenate(batches, &StepBatch::molecule, "molecule", 0);
  out.sample_view_params = Concatenate(batches, &StepBatch::sample_view_params,
                                       "sample view parameters", 0);
  out.control_view_params = Concatenate(
      batches, &StepBatch::control_view_params, "control view parameters", 0);
  out.view_size = batches.front().view_size;
  return out;
}

absl::StatusOr<std::unique_ptr<ConcatenatedBatchSource>>
ConcatenatedBatchSource::Create(
    std::vector<std::unique_ptr<BatchSource>> parts) {
  if (parts.empty()) {
    return absl::InvalidArgumentError("a concatenated source needs parts");
  }
  for (size_t r = 1; r < parts.size(); ++r) {
    if (parts[r]->state().step != parts[0]->state().step) {
      return absl::InvalidArgumentError(absl::StrCat(
          "emulated rank ", r, " is at step ", parts[r]->state().step,
          ", rank 0 at ", parts[0]->state().step));
    }
  }
  return std::unique_ptr<ConcatenatedBatchSource>(
      new ConcatenatedBatchSource(std::move(parts)));
}

absl::StatusOr<LoadedBatch> ConcatenatedBatchSource::Next() {
  LoadedBatch out;
  std::vector<StepBatch> batches;
  for (size_t r = 0; r < parts_.size(); ++r) {
    absl::StatusOr<LoadedBatch> part = parts_[r]->Next();
    if (!part.ok()) {
      return absl::Status(
          part.status().code(),
          absl::StrCat("emulated rank ", r, ": ", part.status().message()));
    }
    if (r == 0) out.step = part->step;
    out.wait_seconds += part->wait_seconds;
    out.samples += part->samples;
    out.images += part->images;
    batches.push_back(std::move(part->batch));
  }
  out.batch = ConcatenateBatches(batches);
  return out;
}

}  // namespace micon
