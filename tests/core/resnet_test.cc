// The C++ ResNets against torchvision 0.14 (Debian's python3-torchvision),
// through the weight exporter micon ships, and the encoder modes built on them.
#include "core/resnet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/encoder.h"
#include "core/resnet_weights.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::DeployScript;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::HasSubstr;

std::map<std::string, torch::Tensor> LoadTensorDict(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : torch::pickle_load(bytes).toGenericDict()) {
    out[item.key().toStringRef()] = item.value().toTensor();
  }
  return out;
}

// Exports seeded torchvision weights plus a reference input/output pair.
void Export(int depth, const std::string& dir) {
  const testing::CommandResult r = RunCommand(absl::StrCat(
      DeployScript("export_torchvision_weights.py"), " --arch resnet", depth,
      " --random-seed 7", " --out ", dir, "/w.pt --reference ", dir,
      "/ref.pt --height 64 --width 48"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

class TorchvisionParity : public ::testing::TestWithParam<int> {};

TEST_P(TorchvisionParity, SameFeaturesOnTheSameInput) {
  const std::string dir = ScratchDir();
  ASSERT_NO_FATAL_FAILURE(Export(GetParam(), dir));
  ResNet net(ResNetOptions{GetParam(), 3, NormKind::kBatch});
  MICON_ASSERT_OK(LoadTorchvisionWeights(*net, dir + "/w.pt"));
  net->eval();
  const auto reference = LoadTensorDict(dir + "/ref.pt");
  torch::NoGradGuard no_grad;
  const torch::Tensor out = net->forward(reference.at("input"));
  const torch::Tensor expected = reference.at("output");
  ASSERT_EQ(out.sizes(), expected.sizes());
  const double scale = expected.abs().max().item<double>();
  EXPECT_GT(scale, 0.1);  // a meaningful comparison, not of near-zero features
  EXPECT_LT(scale, 100.0);
  EXPECT_LT((out - expected).abs().max().item<double>(), 1e-4)
      << "max |expected| " << scale;
}

INSTANTIATE_TEST_SUITE_P(Depths, TorchvisionParity,
                         ::testing::Values(18, 34, 50, 101),
                         [](const auto& info) {
                           return "resnet" + std::to_string(info.param);
                         });

TEST(ResNetWeights, WrongFilesAreNamedNotLoaded) {
  const std::string dir = ScratchDir();
  ASSERT_NO_FATAL_FAILURE(Export(18, dir));
  ResNet deeper(ResNetOptions{50});
  const absl::Status status = LoadTorchvisionWeights(*deeper, dir + "/w.pt");
  EXPECT_THAT(status.message(), HasSubstr(dir + "/w.pt"));
  EXPECT_THAT(status.message(),
              HasSubstr("layer1.0.conv3.weight"));  // missing in ResNet-18
  EXPECT_THAT(LoadTorchvisionWeights(*deeper, dir + "/absent.pt").message(),
              HasSubstr("no such"));
  std::ofstream(dir + "/junk.pt") << "not a pickle";
  EXPECT_THAT(LoadTorchvisionWeights(*deeper, dir + "/junk.pt").message(),
              HasSubstr("cannot read weights"));
}

TEST(ResNetWeights, MultiChannelStemAndGroupNormTakePretrainedWeights) {
  const std::string dir = ScratchDir();
  ASSERT_NO_FATAL_FAILURE(Export(18, dir));
  const auto stored = LoadTensorDict(dir + "/w.pt");
  ResNet five(ResNetOptions{18, 5, NormKind::kGroup});
  MICON_ASSERT_OK(LoadTorchvisionWeights(*five, dir + "/w.pt"));
  const torch::Tensor rgb = stored.at("conv1.weight");
  const torch::Tensor expected =
      rgb.mean(1, true).repeat({1, 5, 1, 1}) * (3.0 / 5.0);
  EXPECT_TRUE(
      torch::allclose(five->named_parameters()["conv1.weight"], expected));
  EXPECT_TRUE(torch::equal(five->named_parameters()["layer2.0.bn1.weight"],
                           stored.at("layer2.0.bn1.weight")));
}

TEST(ImageEncoder, PerChannelModeFeedsEachStainAsAGreyImage) {
  torch::manual_seed(0);
  ImageEncoder encoder(
      ImageEncoderOptions{ResNetOptions{18}, 4, ChannelMode::kPerChannel});
  encoder->eval();
  EXPECT_EQ(encoder->dim(), 4 * 512);
  const torch::Tensor images = torch::rand({2, 4, 40, 36});
  torch::NoGradGuard no_grad;
  const torch::Tensor h = encoder->Encode(images);
  std::vector<torch::Tensor> stains;
  for (int64_t c = 0; c < 4; ++c) {
    stains.push_back(encoder->trunk()->forward(
        images.select(1, c).unsqueeze(1).repeat({1, 3, 1, 1})));
  }
  const torch::Tensor expected = torch::nn::functional::normalize(
      torch::cat(stains, 1),
      torch::nn::functional::NormalizeFuncOptions().dim(1));
  EXPECT_LT((h - expected).abs().max().item<double>(), 1e-5);
  EXPECT_TRUE(torch::allclose(h.norm(2, 1), torch::ones({2}), 1e-5, 1e-5));
}

// Without a head h is pooled post-ReLU features, all >= 0; the linear stain
// head applies one Linear to every stain's vector, so h is signed.
TEST(ImageEncoder, LinearStainHeadIsSharedByTheStainsAndMakesHSigned) {
  torch::manual_seed(0);
  ImageEncoderOptions options{ResNetOptions{18}, 3, ChannelMode::kPerChannel};
  ImageEncoder plain(options);
  options.head = StainHead::kLinear;
  ImageEncoder headed(options);
  plain->eval();
  headed->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::rand({2, 3, 32, 32});
  EXPECT_GE(plain->Encode(images).min().item<double>(), 0.0);
  const torch::Tensor h = headed->Encode(images);
  EXPECT_LT(h.min().item<double>(), 0.0);
  auto* head = headed->named_children()["head"]->as<torch::nn::Linear>();
  ASSERT_NE(head, nullptr);
  std::vector<torch::Tensor> stains;
  for (int64_t c = 0; c < 3; ++c) {
    stains.push_back(head->forward(headed->trunk()->forward(
        images.select(1, c).unsqueeze(1).repeat({1, 3, 1, 1}))));
  }
  const torch::Tensor expected = torch::nn::functional::normalize(
      torch::cat(stains, 1),
      torch::nn::functional::NormalizeFuncOptions().dim(1));
  EXPECT_LT((h - expected).abs().max().item<double>(), 1e-5);
}

TEST(ImageEncoder, MultiChannelModeAcceptsAnyChannelCount) {
  ImageEncoder encoder(
      ImageEncoderOptions{ResNetOptions{34}, 7, ChannelMode::kMultiChannel});
  EXPECT_EQ(encoder->dim(), 512);
  EXPECT_EQ(encoder->Encode(torch::rand({3, 7, 32, 32})).sizes(),
            (std::vector<int64_t>{3, 512}));
  EXPECT_THROW(encoder->Encode(torch::rand({3, 5, 32, 32})), c10::Error);
}

TEST(ResNet, FreezingKeepsAllButTheLastStageFixed) {
  ImageEncoder encoder(ImageEncoderOptions{
      ResNetOptions{18}, 5, ChannelMode::kPerChannel, /*trainable_stages=*/1});
  encoder->train();
  for (const auto& p : encoder->trunk()->named_parameters()) {
    const bool trainable = p.key().rfind("layer4.", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), trainable) << p.key();
  }
  for (const auto& m : encoder->trunk()->named_modules()) {
    if (!m.value()->as<torch::nn::BatchNorm2d>()) continue;
    EXPECT_EQ(m.value()->is_training(), m.key().rfind("layer4.", 0) == 0)
        << m.key();
  }
}

}  // namespace
}  // namespace micon
