// micon_model.h: the networks of MICON and its baselines, in one module.
//
//   E   encoder (images: ResNet; profiles: MLP;  sample -> h (unit norm, the
//       embeddings: cross-channel transformer)   profile vector)
//   P   projection head                          h -> z (unit norm, 512-d),
//                                                what the losses compare
//   M   molecule encoder                         fingerprint -> m
//   G   counterfactual generator                 [sg(h_control); m] -> h_hat
//                                                (unit norm); direct:
//                                                normalise(G(...)), residual:
//                                                normalise(h_control + G(...))
//   Pm  molecule projection (CLIP, CellCLIP)          m -> unit-norm vector beside
//                                                P(h)
//
//   MiconModel model(options);      // options: core/model_spec.h fills in the
//   torch::Tensor h = model->Embed(images);   // data's dimensions
#ifndef MICON_CORE_MICON_MODEL_H_
#define MICON_CORE_MICON_MODEL_H_

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <vector>

#include "core/cross_channel_encoder.h"
#include "core/encoder.h"
#include "core/enum_names.h"
#include "core/mlp.h"
#include "core/objective.h"

namespace micon {

// images: plate pixels; profiles: feature vectors; embeddings: the
// per-channel embedding store (DESIGN.md §8), a well a sample.
enum class InputKind { kImages, kProfiles, kEmbeddings };

// How G's output becomes h_hat. Residual predicts the compound's shift from
// its control, the quantity the screen measures, and starts near the
// control's own embedding; direct (the reference) predicts h_hat outright.
enum class GeneratorForm { kDirect, kResidual };

inline constexpr EnumName<GeneratorForm> kGeneratorFormNames[] = {
    {"direct", GeneratorForm::kDirect}, {"residual", GeneratorForm::kResidual}};

inline constexpr EnumName<InputKind> kInputKindNames[] = {
    {"images", InputKind::kImages},
    {"profiles", InputKind::kProfiles},
    {"embeddings", InputKind::kEmbeddings}};

struct MiconModelOptions {
  InputKind input = InputKind::kImages;
  ImageEncoderOptions image;
  ProfileEncoderOptions profile;
  CrossChannelOptions cross_channel;
  std::vector<int64_t> projection_hidden = {2048};
  int64_t projection_dim = 512;
  int64_t molecule_features = 2048;  // the featuriser's dimension
  std::vector<int64_t> molecule_hidden = {1024};
  int64_t molecule_dim = 512;
  std::vector<int64_t> generator_hidden = {1024};
  GeneratorForm generator_form = GeneratorForm::kDirect;
  double clip_temperature = 0.07;  // initial value when learnable
  bool clip_learnable_temperature = true;
};

class MiconModelImpl : public torch::nn::Module {
 public:
  explicit MiconModelImpl(const MiconModelOptions& options);

  torch::Tensor Embed(const torch::Tensor& samples);  // E: [B, ...] -> h [B, D]
  // E for embeddings input: wells [B, K, C, D] with present [B, K].
  torch::Tensor EmbedWells(const torch::Tensor& wells,
                           const torch::Tensor& present);
  torch::Tensor Project(const torch::Tensor& h);  // P: -> [B, projection_dim]
  torch::Tensor EncodeMolecule(const torch::Tensor& fingerprints);  // M
  // G on [stop-gradient(h_control); m]: gradients reach G and M, never E
  // through h_control.
  torch::Tensor Counterfactual(const torch::Tensor& h_control,
                               const torch::Tensor& m);
  torch::Tensor ProjectMolecule(const torch::Tensor& m);  // Pm
  torch::Tensor ClipLogitScale();  // 1 / temperature, clamped at 100

  // The parameters an objective trains (and so gets gradients for), in
  // registration order: micon: E, P, M, G; paclr and simclr: E, P; clip and
  // cellclip: E, P, M, Pm and the temperature. Frozen encoder parameters are left out. The
  // gradient reducer takes exactly these.
  std::vector<torch::Tensor> ParametersFor(Objective objective);

  EncoderImpl& encoder() { return *encoder_; }
  // The cross-channel encoder (embeddings input), else null.
  CrossChannelEncoderImpl* cross_channel() { return cross_channel_.get(); }
  int64_t embedding_dim() const { return encoder_->dim(); }
  const MiconModelOptions& options() const { return options_; }

 private:
  MiconModelOptions options_;
  std::shared_ptr<EncoderImpl> encoder_;
  std::shared_ptr<CrossChannelEncoderImpl> cross_channel_;  // embeddings only
  Mlp projection_{nullptr}, molecule_{nullptr}, generator_{nullptr},
      molecule_projection_{nullptr};
  torch::Tensor clip_log_scale_;
};
TORCH_MODULE(MiconModel);

}  // namespace micon

#endif  // MICON_CORE_MICON_MODEL_H_
