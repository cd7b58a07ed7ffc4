// Raw views expanded on a device equal the CPU loader's operations (crop,
// PyTorch's bilinear resize, flips, quarter turns, gain and shift), to float
// rounding, for every flip and turn.
#include "core/raw_views.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

namespace micon {
namespace {

namespace F = torch::nn::functional;

// The CPU loader's path for one view of `field` (uint16 values in float).
torch::Tensor Reference(const torch::Tensor& field, const RawView& v,
                        int64_t size) {
  const int64_t c = field.size(0);
  const torch::Tensor mean = torch::tensor(v.mean).view({c, 1, 1});
  const torch::Tensor stddev = torch::tensor(v.stddev).view({c, 1, 1});
  torch::Tensor x = (field - mean) / stddev;
  x = x.slice(1, 0, v.side).slice(2, 0, v.side);
  if (v.side != size) {
    x = F::interpolate(x.unsqueeze(0),
                       F::InterpolateFuncOptions()
                           .size(std::vector<int64_t>{size, size})
                           .mode(torch::kBilinear)
                           .align_corners(false))
            .squeeze(0);
  }
  if (v.flip_w) x = x.flip({2});
  if (v.flip_h) x = x.flip({1});
  if (v.turns > 0) x = torch::rot90(x, v.turns, {1, 2});
  return x * torch::tensor(v.gain).view({c, 1, 1}) +
         torch::tensor(v.shift).view({c, 1, 1});
}

TEST(RawViews, ExpandAsTheLoaderDoesForEveryFlipAndTurn) {
  const int64_t c = 3, window = 40;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pixel(0, 65535);
  std::vector<torch::Tensor> pixels, params, expected;
  int n = 0;
  for (int64_t side : {40, 31, 17, 9}) {  // shrink, grow, and the same
    for (int64_t size : {24}) {
      for (int code = 0; code < 16; ++code, ++n) {
        std::vector<uint16_t> crop(static_cast<size_t>(c * side * side));
        for (uint16_t& p : crop) p = static_cast<uint16_t>(pixel(rng));
        RawView v;
        v.side = side;
        v.flip_w = code & 1;
        v.flip_h = code & 2;
        v.turns = code / 4;
        v.mean = {1000.5f, 30000.f, 65000.f};
        v.stddev = {300.f, 12000.25f, 5.f};
        v.gain = {1.05f, 0.9f, 1.f};
        v.shift = {-0.1f, 0.05f, 0.f};
        pixels.push_back(PackRawPixels(crop, c, side, window));
        params.push_back(PackRawViewParams(v));
        std::vector<float> as_float(crop.begin(), crop.end());
        const torch::Tensor field =
            torch::tensor(as_float).view({c, side, side});
        expected.push_back(Reference(field, v, size));
      }
    }
  }
  const torch::Tensor got =
      ExpandRawViews(torch::stack(pixels), torch::stack(params), 24);
  const torch::Tensor want = torch::stack(expected);
  ASSERT_EQ(got.sizes(), want.sizes());
  const double scale = want.abs().max().item<double>();
  for (int i = 0; i < n; ++i) {
    EXPECT_LT((got[i] - want[i]).abs().max().item<double>(), 1e-5 * scale)
        << "view " << i;
  }
}

TEST(RawViews, PixelsKeepEveryUint16ValueExactly) {
  const std::vector<uint16_t> crop = {0,     1, 32767, 32768, 65534,
                                      65535, 7, 9,     11};
  const torch::Tensor packed = PackRawPixels(crop, 1, 3, 4);
  EXPECT_EQ(packed.scalar_type(), torch::kShort);
  EXPECT_EQ(packed.sizes(), (std::vector<int64_t>{1, 4, 4}));
  RawView v;
  v.side = 3;
  v.mean = {0.f};
  v.stddev = {1.f};
  v.gain = {1.f};
  v.shift = {0.f};
  const torch::Tensor x =
      ExpandRawViews(packed.unsqueeze(0), PackRawViewParams(v).unsqueeze(0), 3);
  std::vector<float> as_float(crop.begin(), crop.end());
  EXPECT_TRUE(torch::equal(x[0][0], torch::tensor(as_float).view({3, 3})));
}

}  // namespace
}  // namespace micon
