#include "core/raw_views.h"

#include <torch/torch.h>

#include <algorithm>

namespace micon {
namespace {

// Column layout of a view's parameter row.
constexpr int64_t kSide = 0, kFlipW = 1, kFlipH = 2, kTurns = 3,
                  kPerChannel = 4;

// For every view n and output position i (0..size-1), the two source rows of
// the crop and their weights, as PyTorch's CPU bilinear kernel computes them
// in float (align_corners false): src = max(scale (i + 0.5) - 0.5, 0) with
// scale = side / size, i0 = floor(src), i1 = i0 + 1 unless i0 is the last
// row, w1 = src - i0, w0 = 1 - w1.
struct Taps {
  at::Tensor i0, i1;  // int64 [N, size]
  at::Tensor w0, w1;  // float [N, size]
};

Taps BilinearTaps(const at::Tensor& side, int64_t size) {
  const auto f = side.options().dtype(torch::kFloat);
  const at::Tensor scale =
      side.to(torch::kFloat).unsqueeze(1) / static_cast<float>(size);  // [N, 1]
  const at::Tensor d = torch::arange(size, f).unsqueeze(0);  // [1, size]
  const at::Tensor src = (scale * (d + 0.5f) - 0.5f).clamp_min(0.0f);
  Taps t;
  t.i0 = src.floor().to(torch::kLong);
  const at::Tensor last = side.to(torch::kLong).unsqueeze(1) - 1;
  t.i1 = t.i0 + (t.i0 < last).to(torch::kLong);
  t.w1 = src - t.i0.to(torch::kFloat);
  t.w0 = 1.0f - t.w1;
  return t;
}

// Bilinear resampling of each view's crop ([N, C, W, W], crop at the
// top-left) to [N, C, size, size]: along the width first, then the height,
// as the CPU kernel nests them.
at::Tensor Resample(const at::Tensor& x, const at::Tensor& side, int64_t size) {
  const int64_t n = x.size(0), c = x.size(1), w = x.size(2);
  const Taps t = BilinearTaps(side, size);
  auto cols = [&](const at::Tensor& index) {  // [N, size] -> [N, C, W, size]
    return torch::gather(x, 3,
                         index.view({n, 1, 1, size}).expand({n, c, w, size}));
  };
  const at::Tensor along_w = cols(t.i0) * t.w0.view({n, 1, 1, size}) +
                             cols(t.i1) * t.w1.view({n, 1, 1, size});
  auto rows = [&](const at::Tensor& index) {  // -> [N, C, size, size]
    return torch::gather(
        along_w, 2, index.view({n, 1, size, 1}).expand({n, c, size, size}));
  };
  return rows(t.i0) * t.w0.view({n, 1, size, 1}) +
         rows(t.i1) * t.w1.view({n, 1, size, 1});
}

// Each view's flips, then quarter turns, as one gather over its pixels: the
// source of output (i, j) is r^turns(i, j) with r(a, b) = (b, S - 1 - a)
// (torch::rot90 over (H, W)), then mirrored where the flips say.
at::Tensor FlipAndTurn(const at::Tensor& x, const at::Tensor& params) {
  const int64_t n = x.size(0), c = x.size(1), s = x.size(2);
  const auto l = params.options().dtype(torch::kLong);
  const at::Tensor turns =
      params.select(1, kTurns).to(torch::kLong).view({n, 1, 1});
  const at::Tensor flip_w = params.select(1, kFlipW).gt(0.5f).view({n, 1, 1});
  const at::Tensor flip_h = params.select(1, kFlipH).gt(0.5f).view({n, 1, 1});
  at::Tensor a = torch::arange(s, l).view({1, s, 1}).expand({n, s, s});
  at::Tensor b = torch::arange(s, l).view({1, 1, s}).expand({n, s, s});
  at::Tensor row = a, col = b;  // after `turns` quarter turns
  for (int64_t k = 1; k <= 3; ++k) {
    const at::Tensor next_a = b, next_b = (s - 1) - a;
    a = next_a;
    b = next_b;
    row = torch::where(turns == k, a, row);
    col = torch::where(turns == k, b, col);
  }
  row = torch::where(flip_h, (s - 1) - row, row);
  col = torch::where(flip_w, (s - 1) - col, col);
  const at::Tensor source =
      (row * s + col).view({n, 1, s * s}).expand({n, c, s * s});
  return torch::gather(x.reshape({n, c, s * s}), 2, source).view({n, c, s, s});
}

}  // namespace

int64_t RawViewParamWidth(int64_t channels) {
  return kPerChannel + 4 * channels;
}

at::Tensor PackRawViewParams(const RawView& view) {
  const int64_t c = static_cast<int64_t>(view.mean.size());
  TORCH_CHECK(view.stddev.size() == view.mean.size() &&
                  view.gain.size() == view.mean.size() &&
                  view.shift.size() == view.mean.size(),
              "a raw view needs C means, standard deviations, gains and "
              "shifts");
  at::Tensor p = torch::empty({RawViewParamWidth(c)}, torch::kFloat);
  float* out = p.data_ptr<float>();
  out[kSide] = static_cast<float>(view.side);
  out[kFlipW] = view.flip_w ? 1.0f : 0.0f;
  out[kFlipH] = view.flip_h ? 1.0f : 0.0f;
  out[kTurns] = static_cast<float>(view.turns);
  float* channel = out + kPerChannel;
  for (const std::vector<float>* v :
       {&view.mean, &view.stddev, &view.gain, &view.shift}) {
    channel = std::copy(v->begin(), v->end(), channel);
  }
  return p;
}

at::Tensor PackRawPixels(const std::vector<uint16_t>& crop, int64_t channels,
                         int64_t side, int64_t window) {
  TORCH_CHECK(static_cast<int64_t>(crop.size()) == channels * side * side,
              "crop has ", crop.size(), " pixels for ", channels, " x ", side,
              " x ", side);
  TORCH_CHECK(side <= window, "crop side ", side, " exceeds window ", window);
  at::Tensor out = torch::zeros({channels, window, window}, torch::kShort);
  int16_t* o = out.data_ptr<int16_t>();
  for (int64_t k = 0; k < channels; ++k) {
    for (int64_t y = 0; y < side; ++y) {
      const uint16_t* row = crop.data() + (k * side + y) * side;
      int16_t* dst = o + (k * window + y) * window;
      for (int64_t x = 0; x < side; ++x) {
        dst[x] =
            static_cast<int16_t>(static_cast<int32_t>(row[x]) - kRawPixelBias);
      }
    }
  }
  return out;
}

at::Tensor ExpandRawViews(const at::Tensor& pixels, const at::Tensor& params,
                          int64_t size) {
  TORCH_CHECK(pixels.dim() == 4 && pixels.size(2) == pixels.size(3) &&
                  pixels.scalar_type() == torch::kShort,
              "raw views must be int16 [N, C, W, W], got ",
              pixels.scalar_type(), " ", pixels.sizes());
  const int64_t n = pixels.size(0), c = pixels.size(1);
  TORCH_CHECK(params.dim() == 2 && params.size(0) == n &&
                  params.size(1) == RawViewParamWidth(c) &&
                  params.scalar_type() == torch::kFloat,
              "raw view parameters must be float [", n, ", ",
              RawViewParamWidth(c), "], got ", params.scalar_type(), " ",
              params.sizes());
  TORCH_CHECK(size > 0, "view size must be positive, got ", size);
  auto per_channel = [&](int64_t k) {  // [N, C, 1, 1]
    return params.narrow(1, kPerChannel + k * c, c).view({n, c, 1, 1});
  };
  const at::Tensor x = (pixels.to(torch::kFloat) +
                        static_cast<float>(kRawPixelBias) - per_channel(0)) /
                       per_channel(1);
  const at::Tensor views =
      FlipAndTurn(Resample(x, params.select(1, kSide), size), params);
  return views * per_channel(2) + per_channel(3);
}

StepBatch ExpandRawBatch(const StepBatch& batch) {
  if (!batch.sample_view_params.defined()) return batch;
  auto expand = [&](const at::Tensor& pixels, const at::Tensor& params) {
    const int64_t b = pixels.size(0), v = pixels.size(1);
    const at::Tensor views = ExpandRawViews(
        pixels.flatten(0, 1), params.flatten(0, 1), batch.view_size);
    return views.view({b, v, views.size(1), batch.view_size, batch.view_size});
  };
  StepBatch out = batch;
  out.samples = expand(batch.samples, batch.sample_view_params);
  if (batch.controls.defined()) {
    out.controls = expand(batch.controls, batch.control_view_params);
  }
  out.sample_view_params = out.control_view_params = at::Tensor();
  return out;
}

}  // namespace micon
