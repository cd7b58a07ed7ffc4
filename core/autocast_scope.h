// autocast_scope.h: mixed precision for the forward pass, as a scope.
//
//   {
//     AutocastScope autocast(torch::kBFloat16, device);   // CUDA only
//     parts = ComputeStepLoss(...);
//   }                                                     // restored here
//
// On CUDA with a reduced dtype, operations LibTorch's autocast lists (matmul,
// convolution) run in that dtype and the rest in float32, as
// torch.autocast(device_type="cuda", dtype=torch.bfloat16) does in Python.
// The loss kernel computes its logits in float32 whatever the input
// (contrastive_kernel.h). Anywhere else (CPU, float32) the scope does nothing.
#ifndef MICON_CORE_AUTOCAST_SCOPE_H_
#define MICON_CORE_AUTOCAST_SCOPE_H_

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "core/enum_names.h"

namespace micon {

// A run's arithmetic for the forward pass (train.precision).
enum class Precision { kFp32, kBf16 };

inline constexpr EnumName<Precision> kPrecisionNames[] = {
    {"fp32", Precision::kFp32}, {"bf16", Precision::kBf16}};

inline c10::ScalarType AutocastDtype(Precision precision) {
  return precision == Precision::kBf16 ? c10::ScalarType::BFloat16
                                       : c10::ScalarType::Float;
}

class AutocastScope {
 public:
  AutocastScope(c10::ScalarType dtype, const c10::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  bool active() const { return active_; }

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  c10::ScalarType previous_dtype_ = c10::ScalarType::Half;
};

}  // namespace micon

#endif  // MICON_CORE_AUTOCAST_SCOPE_H_
