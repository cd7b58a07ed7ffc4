#include "core/autocast_scope.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace micon {

// PyTorch 2.4 replaced the CUDA-specific autocast setters with per-device
// ones; both spellings are kept here, in one place.
#if TORCH_VERSION_MAJOR > 2 || \
    (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define MICON_AUTOCAST_PER_DEVICE 1
#else
#define MICON_AUTOCAST_PER_DEVICE 0
#endif

AutocastScope::AutocastScope(c10::ScalarType dtype, const c10::Device& device) {
  if (!device.is_cuda() || dtype == c10::ScalarType::Float) return;
  active_ = true;
#if MICON_AUTOCAST_PER_DEVICE
  was_enabled_ = at::autocast::is_autocast_enabled(at::kCUDA);
  previous_dtype_ = at::autocast::get_autocast_dtype(at::kCUDA);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  was_enabled_ = at::autocast::is_enabled();
  previous_dtype_ = at::autocast::get_autocast_gpu_dtype();
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(true);
#endif
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Cached casts of the weights live until the outermost scope ends.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if MICON_AUTOCAST_PER_DEVICE
  at::autocast::set_autocast_enabled(at::kCUDA, was_enabled_);
  at::autocast::set_autocast_dtype(at::kCUDA, previous_dtype_);
#else
  at::autocast::set_enabled(was_enabled_);
  at::autocast::set_autocast_gpu_dtype(previous_dtype_);
#endif
}

}  // namespace micon
