#include "core/micon_model.h"

#include <torch/torch.h>

#include <cmath>

#include "core/contrastive_losses.h"

namespace micon {

MiconModelImpl::MiconModelImpl(const MiconModelOptions& options)
    : options_(options) {
  if (options.input == InputKind::kImages) {
    encoder_ = register_module(
        "encoder", std::make_shared<ImageEncoderImpl>(options.image));
  } else if (options.input == InputKind::kProfiles) {
    encoder_ = register_module(
        "encoder", std::make_shared<ProfileEncoderImpl>(options.profile));
  } else {
    cross_channel_ =
        std::make_shared<CrossChannelEncoderImpl>(options.cross_channel);
    encoder_ = register_module("encoder", cross_channel_);
  }
  const int64_t d = encoder_->dim();
  projection_ = register_module(
      "projection",
      Mlp(MlpOptions{d, options.projection_hidden, options.projection_dim}));
  molecule_ = register_module(
      "molecule",
      Mlp(MlpOptions{options.molecule_features, options.molecule_hidden,
                     options.molecule_dim}));
  generator_ = register_module(
      "generator",
      Mlp(MlpOptions{d + options.molecule_dim, options.generator_hidden, d}));
  molecule_projection_ = register_module(
      "molecule_projection",
      Mlp(MlpOptions{options.molecule_dim, {}, options.projection_dim}));
  TORCH_CHECK(options.clip_temperature > 0,
              "CLIP temperature must be positive");
  clip_log_scale_ = register_parameter(
      "clip_log_scale",
      torch::full({}, std::log(1.0 / options.clip_temperature)),
      options.clip_learnable_temperature);
}

torch::Tensor MiconModelImpl::Embed(const torch::Tensor& samples) {
  return encoder_->Encode(samples);
}

torch::Tensor MiconModelImpl::EmbedWells(const torch::Tensor& wells,
                                         const torch::Tensor& present) {
  TORCH_CHECK(cross_channel_ != nullptr,
              "wells need a model for embeddings input, this one takes ",
              EnumText(kInputKindNames, options_.input));
  return cross_channel_->EncodeWells(wells, present);
}

torch::Tensor MiconModelImpl::Project(const torch::Tensor& h) {
  return L2Normalize(projection_->forward(h));
}

torch::Tensor MiconModelImpl::EncodeMolecule(
    const torch::Tensor& fingerprints) {
  return molecule_->forward(fingerprints);
}

torch::Tensor MiconModelImpl::Counterfactual(const torch::Tensor& h_control,
                                             const torch::Tensor& m) {
  TORCH_CHECK(h_control.size(0) == m.size(0),
              "one molecule per control: ", h_control.size(0), " controls, ",
              m.size(0), " molecules");
  const torch::Tensor h = h_control.detach();
  const torch::Tensor g = generator_->forward(torch::cat({h, m}, 1));
  return L2Normalize(options_.generator_form == GeneratorForm::kResidual ? h + g
                                                                         : g);
}

torch::Tensor MiconModelImpl::ProjectMolecule(const torch::Tensor& m) {
  return L2Normalize(molecule_projection_->forward(m));
}

std::vector<torch::Tensor> MiconModelImpl::ParametersFor(Objective objective) {
  std::vector<torch::nn::Module*> modules = {encoder_.get(), projection_.get()};
  if (objective == Objective::kMicon) {
    modules.insert(modules.end(), {molecule_.get(), generator_.get()});
  } else if (AlignsWithMolecules(objective)) {
    modules.insert(modules.end(),
                   {molecule_.get(), molecule_projection_.get()});
  }
  std::vector<torch::Tensor> out;
  for (torch::nn::Module* m : modules) {
    for (const torch::Tensor& p : m->parameters()) {
      if (p.requires_grad()) out.push_back(p);
    }
  }
  if (AlignsWithMolecules(objective) && clip_log_scale_.requires_grad()) {
    out.push_back(clip_log_scale_);
  }
  return out;
}

torch::Tensor MiconModelImpl::ClipLogitScale() {
  return micon::ClipLogitScale(clip_log_scale_);
}

}  // namespace micon
