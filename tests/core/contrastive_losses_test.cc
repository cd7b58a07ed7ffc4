// Losses against naive double-loop references, finite-difference gradients,
// degenerate batches, and the local/global split that the distributed trainer
// relies on.
#include "core/contrastive_losses.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "tests/core/naive_losses.h"

namespace micon {
namespace {

using ::micon::testing::NaiveClip;
using ::micon::testing::NaiveCwcl;
using ::micon::testing::NaiveSupCon;
using ::micon::testing::Normalized;

torch::Tensor Labels(const std::vector<int64_t>& y) {
  return torch::tensor(y, torch::kLong);
}

// Central differences of f at x (double), for gradient checks.
torch::Tensor NumericGradient(
    const std::function<double(const torch::Tensor&)>& f,
    const torch::Tensor& x, double h = 1e-6) {
  torch::Tensor grad = torch::zeros_like(x);
  torch::Tensor flat = x.clone().view(-1);
  for (int64_t k = 0; k < flat.numel(); ++k) {
    const double saved = flat[k].item<double>();
    flat[k] = saved + h;
    const double up = f(flat.view(x.sizes()));
    flat[k] = saved - h;
    const double down = f(flat.view(x.sizes()));
    flat[k] = saved;
    grad.view(-1)[k] = (up - down) / (2 * h);
  }
  return grad;
}

const std::vector<int64_t> kLabels = {
    3, 3, kControlLabel, 7, 3, kControlLabel, 7, 9, 5, 5};

TEST(SupConLoss, MatchesNaiveReferenceInFloat64AndFloat32) {
  for (double tau : {1.0, 0.1}) {
    const torch::Tensor z = Normalized(10, 6, torch::kDouble, 1);
    const double expected = NaiveSupCon(z, kLabels, tau);
    const torch::Tensor y = Labels(kLabels);
    const double got64 = SupConLoss(z, z, y, y, 0, {tau}).item<double>();
    EXPECT_NEAR(got64, expected, 1e-9 * std::abs(expected)) << "tau " << tau;
    const torch::Tensor z32 = z.to(torch::kFloat);
    const double got32 = SupConLoss(z32, z32, y, y, 0, {tau}).item<double>();
    EXPECT_NEAR(got32, expected, 1e-5 * std::abs(expected)) << "tau " << tau;
  }
}

TEST(SupConLoss, GradientMatchesFiniteDifferences) {
  const torch::Tensor y = Labels(kLabels);
  torch::Tensor z = Normalized(10, 5, torch::kDouble, 2).requires_grad_(true);
  SupConLoss(z, z, y, y, 0, {0.5}).backward();
  const torch::Tensor numeric = NumericGradient(
      [&](const torch::Tensor& x) {
        return SupConLoss(x, x, y, y, 0, {0.5}).item<double>();
      },
      z.detach());
  EXPECT_TRUE(torch::allclose(z.grad(), numeric, 1e-6, 1e-8))
      << (z.grad() - numeric).abs().max().item<double>();
}

TEST(SupConLoss, ChunkingDoesNotChangeValueOrGradient) {
  const torch::Tensor y = Labels(kLabels);
  torch::Tensor a = Normalized(10, 8, torch::kDouble, 3).requires_grad_(true);
  torch::Tensor b = a.detach().clone().requires_grad_(true);
  const torch::Tensor whole = SupConLoss(a, a, y, y, 0, {0.2, 1024});
  const torch::Tensor chunked = SupConLoss(b, b, y, y, 0, {0.2, 3});
  EXPECT_NEAR(whole.item<double>(), chunked.item<double>(), 1e-12);
  whole.backward();
  chunked.backward();
  EXPECT_TRUE(torch::allclose(a.grad(), b.grad(), 0, 1e-12));
}

// The form the distributed trainer uses: each "rank" passes its slice of the
// global batch as anchors; the shares add up to the one-process loss, and so do
// the gradients.
TEST(SupConLoss, SharesOfUnevenSlicesAddUpToTheWholeBatch) {
  const torch::Tensor y = Labels(kLabels);
  torch::Tensor z = Normalized(10, 4, torch::kDouble, 4).requires_grad_(true);
  torch::Tensor reference = z.detach().clone().requires_grad_(true);
  const torch::Tensor whole = SupConLoss(reference, reference, y, y, 0, {0.3});
  whole.backward();
  torch::Tensor sum = torch::zeros({}, torch::kDouble);
  for (auto [begin, end] :
       {std::pair{0, 3}, std::pair{3, 4}, std::pair{4, 10}}) {
    sum = sum + SupConLoss(z.slice(0, begin, end), z, y.slice(0, begin, end), y,
                           begin, {0.3});
  }
  sum.backward();
  EXPECT_NEAR(sum.item<double>(), whole.item<double>(), 1e-12);
  EXPECT_TRUE(torch::allclose(z.grad(), reference.grad(), 0, 1e-12));
}

TEST(SupConLoss, DegenerateBatchesAreDefined) {
  // An anchor without a positive (labels 9 and 11) is left out of the mean.
  const torch::Tensor z = Normalized(4, 3, torch::kDouble, 5);
  const std::vector<int64_t> lonely = {9, 2, 2, 11};
  const torch::Tensor y = Labels(lonely);
  EXPECT_NEAR(SupConLoss(z, z, y, y, 0, {1.0}).item<double>(),
              NaiveSupCon(z, lonely, 1.0), 1e-12);

  // All controls: every other row is a positive.
  const std::vector<int64_t> controls(4, kControlLabel);
  EXPECT_NEAR(SupConLoss(z, z, Labels(controls), Labels(controls), 0, {1.0})
                  .item<double>(),
              NaiveSupCon(z, controls, 1.0), 1e-12);

  // A batch of one, and a batch with no positive at all: zero loss, zero
  // gradient, no NaN.
  for (int64_t n : {1, 3}) {
    torch::Tensor single =
        Normalized(n, 3, torch::kDouble, 6).requires_grad_(true);
    const torch::Tensor ids = torch::arange(n, torch::kLong);
    const torch::Tensor loss = SupConLoss(single, single, ids, ids, 0, {0.1});
    loss.backward();
    EXPECT_EQ(loss.item<double>(), 0.0);
    EXPECT_TRUE(single.grad().eq(0).all().item<bool>());
  }

  // The same compound in several entries: all of its rows are positives of each
  // other.
  const std::vector<int64_t> repeated = {
      4, 4, 4, 4, 4, 1, 1, kControlLabel, kControlLabel, 4};
  const torch::Tensor z10 = Normalized(10, 5, torch::kDouble, 7);
  EXPECT_NEAR(SupConLoss(z10, z10, Labels(repeated), Labels(repeated), 0, {0.5})
                  .item<double>(),
              NaiveSupCon(z10, repeated, 0.5), 1e-12);
}

TEST(SupConLoss, Bfloat16EmbeddingsUseFloat32Logits) {
  const torch::Tensor y = Labels(kLabels);
  const torch::Tensor z = Normalized(10, 16, torch::kDouble, 8);
  const torch::Tensor zb = z.to(torch::kBFloat16);
  const double expected = NaiveSupCon(zb.to(torch::kDouble), kLabels, 0.1);
  EXPECT_NEAR(
      SupConLoss(zb, zb, y, y, 0, {0.1}).to(torch::kDouble).item<double>(),
      expected,
      2e-2 * expected);  // the result itself is rounded to bfloat16
}

// CPU autocast's switches. PyTorch 2.4 replaced the CPU-specific ones with
// per-device ones (as core/autocast_scope.cc handles for CUDA).
#if TORCH_VERSION_MAJOR > 2 || \
    (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool CpuAutocastOn() { return at::autocast::is_autocast_enabled(at::kCPU); }
at::ScalarType CpuAutocastDtype() {
  return at::autocast::get_autocast_dtype(at::kCPU);
}
void SetCpuAutocast(bool on, at::ScalarType dtype) {
  at::autocast::set_autocast_dtype(at::kCPU, dtype);
  at::autocast::set_autocast_enabled(at::kCPU, on);
}
#else
bool CpuAutocastOn() { return at::autocast::is_cpu_enabled(); }
at::ScalarType CpuAutocastDtype() {
  return at::autocast::get_autocast_cpu_dtype();
}
void SetCpuAutocast(bool on, at::ScalarType dtype) {
  at::autocast::set_autocast_cpu_dtype(dtype);
  at::autocast::set_cpu_enabled(on);
}
#endif

// CPU bf16 autocast, restored on scope exit.
class CpuBf16Autocast {
 public:
  CpuBf16Autocast()
      : was_enabled_(CpuAutocastOn()), previous_(CpuAutocastDtype()) {
    SetCpuAutocast(true, torch::kBFloat16);
  }
  ~CpuBf16Autocast() {
    SetCpuAutocast(was_enabled_, previous_);
    at::autocast::clear_cache();
  }

 private:
  bool was_enabled_;
  at::ScalarType previous_;
};

// The trainer computes the loss inside its autocast scope and backpropagates
// after it closed: the kernel must compute the same float32 loss either way,
// or the gradient would be that of another function.
TEST(SupConLoss, AutocastDoesNotReachTheLogits) {
  const torch::Tensor y = Labels(kLabels);
  const torch::Tensor z0 = Normalized(10, 16, torch::kFloat, 12);
  auto loss_and_grad = [&](bool autocast) {
    const torch::Tensor z = z0.clone().requires_grad_(true);
    torch::Tensor loss;
    {
      std::unique_ptr<CpuBf16Autocast> scope;
      if (autocast) scope = std::make_unique<CpuBf16Autocast>();
      // A matmul outside the kernel does run in bf16 under the scope.
      if (autocast) {
        EXPECT_EQ(torch::mm(z0, z0.t()).scalar_type(), torch::kBFloat16);
      }
      loss = SupConLoss(z, z, y, y, 0, {0.1});
    }
    loss.backward();
    return std::make_pair(loss.detach(), z.grad());
  };
  const auto [plain_loss, plain_grad] = loss_and_grad(false);
  const auto [cast_loss, cast_grad] = loss_and_grad(true);
  EXPECT_EQ(cast_loss.scalar_type(), torch::kFloat);
  EXPECT_EQ(cast_loss.item<float>(), plain_loss.item<float>());
  EXPECT_TRUE(torch::equal(cast_grad, plain_grad));
}

TEST(NtXentLoss, IsSimClrsLossAndChecksViews) {
  const torch::Tensor z = Normalized(8, 6, torch::kDouble, 9);
  const std::vector<int64_t> ids = {0, 1, 2, 3, 0, 1, 2, 3};
  const torch::Tensor y = Labels(ids);
  EXPECT_NEAR(NtXentLoss(z, z, y, y, 0, {0.5}).item<double>(),
              NaiveSupCon(z, ids, 0.5), 1e-12);
  const torch::Tensor three_views = Labels({0, 0, 0, 1, 1, 2, 2, 3});
  EXPECT_THROW(NtXentLoss(z, z, three_views, three_views, 0, {0.5}),
               c10::Error);
}

TEST(ClipLoss, MatchesNaiveReferenceAndSplitsAcrossRanks) {
  const torch::Tensor u = Normalized(7, 5, torch::kDouble, 10);
  const torch::Tensor v = Normalized(7, 5, torch::kDouble, 11);
  const torch::Tensor scale = torch::tensor(3.0, torch::kDouble);
  const double expected = NaiveClip(u, v, 3.0);
  EXPECT_NEAR(ClipLoss(u, u, v, v, 0, scale).item<double>(), expected,
              1e-9 * expected);
  EXPECT_NEAR(
      ClipLoss(u.to(torch::kFloat), u.to(torch::kFloat), v.to(torch::kFloat),
               v.to(torch::kFloat), 0, scale.to(torch::kFloat))
          .item<double>(),
      expected, 1e-5 * expected);
  double shares = 0;
  for (auto [b, e] : {std::pair{0, 2}, std::pair{2, 7}}) {
    shares += ClipLoss(u.slice(0, b, e), u, v.slice(0, b, e), v, b, scale)
                  .item<double>();
  }
  EXPECT_NEAR(shares, expected, 1e-12);
}

// A batch that repeats compounds: the other rows of a row's compound are
// neither negatives nor positives, in both directions and across rank shares;
// without repeats the mask changes nothing.
TEST(ClipLoss, MasksRepeatedCompoundsOutOfTheNegatives) {
  const torch::Tensor u = Normalized(7, 5, torch::kDouble, 16);
  const torch::Tensor v = Normalized(7, 5, torch::kDouble, 17);
  const torch::Tensor scale = torch::tensor(3.0, torch::kDouble);
  const std::vector<int64_t> ids = {4, 1, 4, 2, 1, 4, 0};
  const torch::Tensor compounds = Labels(ids);
  const SameGroupMask mask{compounds, compounds};
  const double expected = NaiveClip(u, v, 3.0, ids);
  EXPECT_NEAR(ClipLoss(u, u, v, v, 0, scale, 3, mask).item<double>(), expected,
              1e-12 * expected);
  EXPECT_GT(std::abs(NaiveClip(u, v, 3.0) - expected), 1e-3);
  double shares = 0;
  for (auto [b, e] : {std::pair{0, 3}, std::pair{3, 7}}) {
    const torch::Tensor local = compounds.slice(0, b, e);
    shares += ClipLoss(u.slice(0, b, e), u, v.slice(0, b, e), v, b, scale, 2,
                       {local, compounds})
                  .item<double>();
  }
  EXPECT_NEAR(shares, expected, 1e-12);
  const torch::Tensor distinct = Labels({0, 1, 2, 3, 4, 5, 6});
  EXPECT_NEAR(
      ClipLoss(u, u, v, v, 0, scale, 3, {distinct, distinct}).item<double>(),
      NaiveClip(u, v, 3.0), 1e-12);
  // Gradients to both towers match the naive loss's finite differences.
  torch::Tensor ug = u.clone().requires_grad_(true);
  torch::Tensor vg = v.clone().requires_grad_(true);
  ClipLoss(ug, ug, vg, vg, 0, scale, 3, mask).backward();
  EXPECT_TRUE(torch::allclose(
      ug.grad(),
      NumericGradient(
          [&](const torch::Tensor& x) { return NaiveClip(x, v, 3.0, ids); }, u),
      1e-6, 1e-8));
  EXPECT_TRUE(torch::allclose(
      vg.grad(),
      NumericGradient(
          [&](const torch::Tensor& x) { return NaiveClip(u, x, 3.0, ids); }, v),
      1e-6, 1e-8));
}

TEST(ClipLoss, LearnableTemperatureGetsTheRightGradient) {
  const torch::Tensor u = Normalized(6, 4, torch::kDouble, 12);
  const torch::Tensor v = Normalized(6, 4, torch::kDouble, 13);
  torch::Tensor log_scale =
      torch::tensor(std::log(2.5), torch::kDouble).requires_grad_(true);
  ClipLoss(u, u, v, v, 0, ClipLogitScale(log_scale)).backward();
  const double h = 1e-6;
  const double numeric = (NaiveClip(u, v, std::exp(std::log(2.5) + h)) -
                          NaiveClip(u, v, std::exp(std::log(2.5) - h))) /
                         (2 * h);
  EXPECT_NEAR(log_scale.grad().item<double>(), numeric, 1e-7);
  // The clamp stops the scale at 100, as CLIP does.
  EXPECT_EQ(ClipLogitScale(torch::tensor(10.0)).item<double>(), 100.0);
}

TEST(ClipLoss, GradientMatchesFiniteDifferences) {
  torch::Tensor u = Normalized(5, 3, torch::kDouble, 14).requires_grad_(true);
  const torch::Tensor v = Normalized(5, 3, torch::kDouble, 15);
  const torch::Tensor scale = torch::tensor(2.0, torch::kDouble);
  ClipLoss(u, u, v, v, 0, scale).backward();
  const torch::Tensor numeric = NumericGradient(
      [&](const torch::Tensor& x) { return NaiveClip(x, v, 2.0); }, u.detach());
  EXPECT_TRUE(torch::allclose(u.grad(), numeric, 1e-6, 1e-8));
}

TEST(CwclLoss, MatchesCellClipsFormulaAndSplitsAcrossRanks) {
  const torch::Tensor x = torch::randn({7, 3, 4}, torch::kDouble);
  const torch::Tensor u = Normalized(7, 5, torch::kDouble, 20);
  const torch::Tensor v = Normalized(7, 5, torch::kDouble, 21);
  const torch::Tensor scale = torch::tensor(3.0, torch::kDouble);
  // The reference leaves its target rows 1e-8 short of summing to 1
  // (CwclTargets).
  const double whole =
      CwclLoss(u, u, v, v, CwclTargets(x, x), 0, scale).item<double>();
  EXPECT_NEAR(whole, NaiveCwcl(x, u, v, 3.0), 1e-7 * whole);
  double shares = 0;
  for (auto [b, e] : {std::pair{0, 3}, std::pair{3, 4}, std::pair{4, 7}}) {
    shares += CwclLoss(u.slice(0, b, e), u, v.slice(0, b, e), v,
                       CwclTargets(x.slice(0, b, e), x), b, scale, 2)
                  .item<double>();
  }
  EXPECT_NEAR(shares, whole, 1e-12);
}

TEST(CwclLoss, MasksRepeatedCompoundsInTheMoleculeDirection) {
  const torch::Tensor x = torch::randn({6, 3, 4}, torch::kDouble);
  const torch::Tensor u = Normalized(6, 5, torch::kDouble, 22);
  const torch::Tensor v = Normalized(6, 5, torch::kDouble, 23);
  const torch::Tensor scale = torch::tensor(2.0, torch::kDouble);
  const std::vector<int64_t> ids = {3, 3, 1, 0, 1, 3};
  const torch::Tensor compounds = Labels(ids);
  const double whole = CwclLoss(u, u, v, v, CwclTargets(x, x), 0, scale, 4,
                                {compounds, compounds})
                           .item<double>();
  EXPECT_NEAR(whole, NaiveCwcl(x, u, v, 2.0, ids), 1e-7 * whole);
  EXPECT_GT(std::abs(NaiveCwcl(x, u, v, 2.0) - whole), 1e-3);
}

TEST(CwclLoss, GradientsMatchFiniteDifferences) {
  const torch::Tensor x = torch::randn({5, 2, 3}, torch::kDouble);
  torch::Tensor u = Normalized(5, 3, torch::kDouble, 22).requires_grad_(true);
  torch::Tensor v = Normalized(5, 3, torch::kDouble, 23).requires_grad_(true);
  torch::Tensor log_scale =
      torch::tensor(std::log(2.0), torch::kDouble).requires_grad_(true);
  CwclLoss(u, u, v, v, CwclTargets(x, x), 0, ClipLogitScale(log_scale))
      .backward();
  const torch::Tensor vd = v.detach(), ud = u.detach();
  EXPECT_TRUE(torch::allclose(
      u.grad(),
      NumericGradient(
          [&](const torch::Tensor& z) { return NaiveCwcl(x, z, vd, 2.0); }, ud),
      1e-6, 1e-8));
  EXPECT_TRUE(torch::allclose(
      v.grad(),
      NumericGradient(
          [&](const torch::Tensor& z) { return NaiveCwcl(x, ud, z, 2.0); }, vd),
      1e-6, 1e-8));
  const double h = 1e-6;
  EXPECT_NEAR(log_scale.grad().item<double>(),
              (NaiveCwcl(x, ud, vd, std::exp(std::log(2.0) + h)) -
               NaiveCwcl(x, ud, vd, std::exp(std::log(2.0) - h))) /
                  (2 * h),
              1e-7);
}

TEST(CwclTargets, AreTheInputsMeanChannelCosineShiftedAndRowNormalised) {
  // Two wells equal in one channel and opposite in the other: cosine mean
  // 0, weight 1/2; a well with itself: weight 1.
  torch::Tensor x = torch::zeros({2, 2, 2}, torch::kDouble);
  x[0][0][0] = 1;
  x[1][0][0] = 3;
  x[0][1][1] = 1;
  x[1][1][1] = -2;
  const torch::Tensor t = CwclTargets(x, x);
  EXPECT_TRUE(torch::allclose(
      t,
      torch::tensor({{2.0 / 3, 1.0 / 3}, {1.0 / 3, 2.0 / 3}}, torch::kDouble)));
  EXPECT_FALSE(t.requires_grad());
}

TEST(SoftContrastiveSum, OneHotTargetsAreTheLabelledSum) {
  const torch::Tensor a = Normalized(4, 3, torch::kDouble, 24);
  const torch::Tensor c = Normalized(6, 3, torch::kDouble, 25);
  const torch::Tensor scale = torch::tensor(2.0, torch::kDouble);
  const torch::Tensor w = torch::full({4}, 0.25, torch::kDouble);
  const torch::Tensor ids = torch::tensor({1, 0, 5, 3}, torch::kLong);
  const torch::Tensor one_hot =
      torch::nn::functional::one_hot(ids, 6).to(torch::kDouble);
  EXPECT_NEAR(SoftContrastiveSum(a, c, scale, one_hot, w).item<double>(),
              ContrastiveSum(a, c, scale, ids, torch::arange(6, torch::kLong),
                             w, kNoSelfExclusion)
                  .item<double>(),
              1e-12);
  EXPECT_THROW(SoftContrastiveSum(a, c, scale, one_hot.slice(1, 0, 5), w),
               c10::Error);
}

TEST(ContrastiveSum, RejectsMismatchedShapes) {
  const torch::Tensor z = torch::randn({4, 3});
  const torch::Tensor y = torch::zeros({4}, torch::kLong);
  EXPECT_THROW(SupConLoss(z, torch::randn({4, 2}), y, y, 0, {}), c10::Error);
  EXPECT_THROW(SupConLoss(z, z, y, y, 2, {}), c10::Error);
  EXPECT_THROW(SupConLoss(z, z, y.to(torch::kInt), y, 0, {}), c10::Error);
  EXPECT_THROW(SupConLoss(z, z, y, y, 0, {0.0}), c10::Error);
}

}  // namespace
}  // namespace micon
