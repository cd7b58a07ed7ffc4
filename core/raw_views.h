// raw_views.h: training views shipped as raw pixels and expanded where the
// model runs (the GPU, or the CPU: the same code).
//
//   // loader, per view: the crop, top-left in a fixed [C, W, W] window
//   at::Tensor pixels = PackRawPixels(crop_uint16, channels, side, window);
//   at::Tensor params = PackRawViewParams(view);  // [RawViewParamWidth(C)]
//   // trainer, per batch, on its device:
//   at::Tensor views = ExpandRawViews(pixels.to(gpu), params.to(gpu), 224);
//
// A loader that augments on the CPU sends float views. One that ships raw
// views sends, per view, the crop of the field it drew (integers, 2 bytes a
// pixel) and the parameters it drew; ExpandRawViews makes the same views on
// the device: normalisation by the plate's control statistics, bilinear
// resampling of the crop to the view size as PyTorch's interpolate does it
// (align_corners false), the flips and quarter turns, the per-channel gain
// and offset. The result equals the CPU path's to float rounding (PyTorch's
// CPU kernel may fuse multiply-adds that this does as two operations).
//
// Pixels are int16 holding pixel - 32768: LibTorch 1.13 has no uint16
// tensor, and int16 keeps 2 bytes per pixel and every uint16 value exactly.
// A view's parameters are one float32 row: side, flip_w, flip_h, quarter
// turns, then the C means, C standard deviations, C gains and C shifts.
#ifndef MICON_CORE_RAW_VIEWS_H_
#define MICON_CORE_RAW_VIEWS_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/step_batch.h"

namespace micon {

inline constexpr int32_t kRawPixelBias = 32768;

struct RawView {
  int64_t side = 0;     // the crop's side, in pixels
  bool flip_w = false;  // applied first: mirror left-right
  bool flip_h = false;  // then: mirror top-bottom
  int64_t turns = 0;    // then: quarter turns (torch::rot90 over H, W)
  std::vector<float> mean, stddev;  // per channel: normalisation
  std::vector<float> gain, shift;   // per channel: x * gain + shift, last
};

int64_t RawViewParamWidth(int64_t channels);
at::Tensor PackRawViewParams(const RawView& view);  // float32 [width]

// `crop` holds C x side x side pixels, row-major; returns int16
// [C, window, window] with the crop at the top-left and zeros elsewhere.
at::Tensor PackRawPixels(const std::vector<uint16_t>& crop, int64_t channels,
                         int64_t side, int64_t window);

// `pixels` int16 [N, C, W, W], `params` float32 [N, RawViewParamWidth(C)],
// both on the same device. Returns float32 [N, C, size, size] there.
at::Tensor ExpandRawViews(const at::Tensor& pixels, const at::Tensor& params,
                          int64_t size);

// A batch whose samples (and controls) are raw views: expanded to the float
// views the loss takes, [B, V, C, view_size, view_size], on the batch's
// device. A batch of float views is returned as it is.
StepBatch ExpandRawBatch(const StepBatch& batch);

}  // namespace micon

#endif  // MICON_CORE_RAW_VIEWS_H_
