// gated_attention_pool.h: multiple-instance pooling of a bag of vectors (a
// well's fields) into one, by gated attention (Ilse et al. 2018).
//
//   GatedAttentionPool pool(GatedAttentionPoolOptions{.in = 256, .hidden = 128});
//   torch::Tensor well = pool->forward(fields, present);  // [B, K, in], [B, K]
//                                                          // -> [B, in]
//
//   a_k = w^T (tanh(V x_k) * sigmoid(U x_k));  weights = softmax over the
//   present k;  out = sum_k weights_k x_k
//
// Absent instances (present = false: padding of wells with fewer fields)
// get weight exactly 0, so a well pools the same whatever it is padded to.
// Every bag must hold at least one instance.
#ifndef MICON_CORE_GATED_ATTENTION_POOL_H_
#define MICON_CORE_GATED_ATTENTION_POOL_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace micon {

struct GatedAttentionPoolOptions {
  int64_t in = 256;
  int64_t hidden = 128;
};

class GatedAttentionPoolImpl : public torch::nn::Module {
 public:
  explicit GatedAttentionPoolImpl(const GatedAttentionPoolOptions& options);
  // instances [B, K, in]; present [B, K] bool.
  torch::Tensor forward(const torch::Tensor& instances,
                        const torch::Tensor& present);

 private:
  torch::nn::Linear tanh_branch_{nullptr}, gate_branch_{nullptr},
      score_{nullptr};
};
TORCH_MODULE(GatedAttentionPool);

}  // namespace micon

#endif  // MICON_CORE_GATED_ATTENTION_POOL_H_
