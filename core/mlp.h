// mlp.h: the small fully connected networks of MICON (projection P, molecule
// encoder M, generator G, profile encoder).
//
//   Mlp p(MlpOptions{.in = 1024, .hidden = {2048}, .out = 512});
//   torch::Tensor z = p->forward(h);  // Linear-ReLU-Linear
//
// Hidden layers are Linear -> [LayerNorm] -> ReLU -> [Dropout]. LayerNorm, not
// BatchNorm, is the only normalisation offered here: it keeps each row's output
// independent of the rest of the batch, so the heads compute the same on any
// split of the batch across ranks.
#ifndef MICON_CORE_MLP_H_
#define MICON_CORE_MLP_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace micon {

struct MlpOptions {
  int64_t in = 0;
  std::vector<int64_t> hidden;
  int64_t out = 0;
  bool layer_norm = false;
  double dropout = 0.0;
};

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const MlpOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  const MlpOptions& options() const { return options_; }

 private:
  MlpOptions options_;
  torch::nn::Sequential layers_;
};
TORCH_MODULE(Mlp);

// Rows scaled to unit L2 norm (a zero row stays zero).
torch::Tensor L2Normalize(const torch::Tensor& x);

}  // namespace micon

#endif  // MICON_CORE_MLP_H_
