// StainEmbeddings: one vector per stain from a per-channel trunk, whose
// normalised concatenation is the model's h; models without a per-stain
// trunk are refused by name.
#include "launch/profiles/per_channel_store_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

using ::testing::HasSubstr;

MiconModelOptions ImageModel(ChannelMode mode, StainHead head) {
  MiconModelOptions o;
  o.image = ImageEncoderOptions{ResNetOptions{18}, 3, mode};
  o.image.head = head;
  o.projection_hidden = {16};
  o.molecule_features = 8;
  o.molecule_hidden = {8};
  o.generator_hidden = {8};
  return o;
}

TEST(StainEmbeddings, ConcatenatedAndNormalisedTheyAreTheModelsH) {
  for (StainHead head : {StainHead::kNone, StainHead::kLinear}) {
    torch::manual_seed(0);
    MiconModel model(ImageModel(ChannelMode::kPerChannel, head));
    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor images = torch::rand({2, 3, 32, 32});
    absl::StatusOr<at::Tensor> stains = StainEmbeddings(*model, images);
    ASSERT_TRUE(stains.ok()) << stains.status();
    EXPECT_EQ(stains->sizes(), (std::vector<int64_t>{2, 3, 512}));
    const torch::Tensor h = torch::nn::functional::normalize(
        stains->reshape({2, -1}),
        torch::nn::functional::NormalizeFuncOptions().dim(1));
    EXPECT_LT((h - model->Embed(images)).abs().max().item<double>(), 1e-6);
  }
}

TEST(StainEmbeddings, AMultiChannelTrunkHasNoVectorPerStain) {
  MiconModel model(ImageModel(ChannelMode::kMultiChannel, StainHead::kNone));
  const absl::StatusOr<at::Tensor> stains =
      StainEmbeddings(*model, torch::rand({1, 3, 32, 32}));
  ASSERT_FALSE(stains.ok());
  EXPECT_THAT(stains.status().message(), HasSubstr("multi_channel"));
}

}  // namespace
}  // namespace micon
