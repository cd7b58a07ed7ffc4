#include "tests/core/naive_losses.h"

#include <cmath>

namespace micon::testing {

torch::Tensor Normalized(int64_t n, int64_t d, torch::Dtype dtype, int seed) {
  torch::manual_seed(seed);
  return torch::nn::functional::normalize(
             torch::randn({n, d}, torch::kDouble),
             torch::nn::functional::NormalizeFuncOptions().dim(1))
      .to(dtype);
}

// Khosla et al.'s L_out, written out loop by loop in double precision.
double NaiveSupCon(const torch::Tensor& z_in, const std::vector<int64_t>& y,
                   double tau) {
  const torch::Tensor z = z_in.to(torch::kDouble);
  const auto a = z.accessor<double, 2>();
  const int64_t n = z.size(0), d = z.size(1);
  auto dot = [&](int64_t i, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += a[i][k] * a[j][k];
    return s / tau;
  };
  double total = 0;
  int64_t anchors = 0;
  for (int64_t i = 0; i < n; ++i) {
    double denominator = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j != i) denominator += std::exp(dot(i, j));
    }
    double sum = 0;
    int64_t positives = 0;
    for (int64_t p = 0; p < n; ++p) {
      if (p == i || y[p] != y[i]) continue;
      sum += -std::log(std::exp(dot(i, p)) / denominator);
      ++positives;
    }
    if (positives == 0) continue;
    total += sum / positives;
    ++anchors;
  }
  return anchors == 0 ? 0.0 : total / anchors;
}

// CLIP as usually written: mean of image->text and text->image cross-entropies.
namespace {

// Whether row j is left out of row i's denominators.
bool Masked(const std::vector<int64_t>& compounds, int64_t i, int64_t j) {
  return !compounds.empty() && i != j &&
         compounds[static_cast<size_t>(i)] == compounds[static_cast<size_t>(j)];
}

}  // namespace

double NaiveClip(const torch::Tensor& u_in, const torch::Tensor& v_in,
                 double scale, const std::vector<int64_t>& compounds) {
  const torch::Tensor ud = u_in.to(torch::kDouble),
                      vd = v_in.to(torch::kDouble);
  const auto u = ud.accessor<double, 2>();
  const auto v = vd.accessor<double, 2>();
  const int64_t n = u_in.size(0), d = u_in.size(1);
  auto dot = [&](int64_t i, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += u[i][k] * v[j][k];
    return s * scale;
  };
  double rows = 0, cols = 0;
  for (int64_t i = 0; i < n; ++i) {
    double zr = 0, zc = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (Masked(compounds, i, j)) continue;
      zr += std::exp(dot(i, j));
      zc += std::exp(dot(j, i));
    }
    rows += -std::log(std::exp(dot(i, i)) / zr);
    cols += -std::log(std::exp(dot(i, i)) / zc);
  }
  return 0.5 * (rows + cols) / n;
}

double NaiveCwcl(const torch::Tensor& x_in, const torch::Tensor& u_in,
                 const torch::Tensor& v_in, double scale,
                 const std::vector<int64_t>& compounds) {
  const torch::Tensor xd = x_in.to(torch::kDouble),
                      ud = u_in.to(torch::kDouble),
                      vd = v_in.to(torch::kDouble);
  const auto x = xd.accessor<double, 3>();
  const auto u = ud.accessor<double, 2>();
  const auto v = vd.accessor<double, 2>();
  const int64_t n = u_in.size(0), d = u_in.size(1), c = x_in.size(1),
                f = x_in.size(2);
  auto logit = [&](int64_t i, int64_t j) {  // image i, molecule j
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += u[i][k] * v[j][k];
    return s * scale;
  };
  auto cosine = [&](int64_t i, int64_t j, int64_t ch) {
    double dot = 0, ni = 0, nj = 0;
    for (int64_t k = 0; k < f; ++k) {
      dot += x[i][ch][k] * x[j][ch][k];
      ni += x[i][ch][k] * x[i][ch][k];
      nj += x[j][ch][k] * x[j][ch][k];
    }
    return dot / ((std::sqrt(ni) + 1e-8) * (std::sqrt(nj) + 1e-8));
  };
  double soft = 0, hard = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> w(n);
    double w_sum = 0, z_image = 0, z_molecule = 0;
    for (int64_t j = 0; j < n; ++j) {
      double sim = 0;
      for (int64_t ch = 0; ch < c; ++ch) sim += cosine(i, j, ch);
      w[j] = sim / (2.0 * c) + 0.5;
      w_sum += w[j];
      z_image += std::exp(logit(i, j));
      if (!Masked(compounds, i, j)) z_molecule += std::exp(logit(j, i));
    }
    for (int64_t j = 0; j < n; ++j) {
      soft -= w[j] / (w_sum + 1e-8) * (logit(i, j) - std::log(z_image));
    }
    hard -= logit(i, i) - std::log(z_molecule);
  }
  return (soft + hard) / n;
}

}  // namespace micon::testing
