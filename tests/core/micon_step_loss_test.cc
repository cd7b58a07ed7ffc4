// The MICON step: which networks each loss trains, agreement with the losses
// called directly, and a learning test on a tiny synthetic screen that fails if
// MICON stops learning.
#include "core/micon_step_loss.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/contrastive_losses.h"
#include "tests/core/naive_losses.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::HasSubstr;

MiconModelOptions ProfileModel(int64_t features, int64_t fingerprint_bits) {
  MiconModelOptions o;
  o.input = InputKind::kProfiles;
  o.profile = ProfileEncoderOptions{features, {64}, 16};
  o.projection_hidden = {32};
  o.projection_dim = 16;
  o.molecule_features = fingerprint_bits;
  o.molecule_hidden = {32};
  o.molecule_dim = 16;
  o.generator_hidden = {32};
  return o;
}

StepBatch RandomProfileBatch(int64_t b, int64_t features, int64_t bits) {
  return {torch::randn({b, 2, features}), torch::randn({b, 2, features}),
          torch::randint(0, 3, {b}, torch::kLong),
          torch::randint(0, 2, {b, bits}).to(torch::kFloat)};
}

bool AllGradsZero(torch::nn::Module& m) {
  for (const auto& p : m.parameters()) {
    if (p.grad().defined() && p.grad().abs().sum().item<double>() != 0)
      return false;
  }
  return true;
}

TEST(StepLoss, CounterfactualLossTrainsGeneratorNotEncoder) {
  torch::manual_seed(1);
  MiconModel model(ProfileModel(10, 12));
  SingleProcessGather gather;
  const LossParts parts = ComputeStepLoss(*model, RandomProfileBatch(6, 10, 12),
                                          {Objective::kMicon, 0.5}, gather);
  ASSERT_TRUE(parts.paclr.defined() && parts.counterfactual.defined());
  EXPECT_NEAR(parts.total.item<double>(),
              parts.paclr.item<double>() + parts.counterfactual.item<double>(),
              1e-6);
  parts.counterfactual.backward();
  EXPECT_TRUE(AllGradsZero(model->encoder()));
  for (const char* name : {"generator", "molecule", "projection"}) {
    EXPECT_FALSE(AllGradsZero(*model->named_children()[name])) << name;
  }
}

std::vector<int64_t> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kLong);
  return std::vector<int64_t>(c.data_ptr<int64_t>(),
                              c.data_ptr<int64_t>() + c.numel());
}

// PaCLR and the counterfactual loss, assembled by hand from the model's outputs
// and scored by the naive SupCon: treated rows carry compound labels, controls
// the shared control label.
TEST(StepLoss, PartsMatchNaiveSupConOnTheModelsOutputs) {
  torch::manual_seed(7);
  MiconModel model(ProfileModel(10, 12));
  SingleProcessGather gather;
  const StepBatch batch = RandomProfileBatch(5, 10, 12);
  const double tau = 0.4;
  const LossParts parts =
      ComputeStepLoss(*model, batch, {Objective::kMicon, tau, 0.7}, gather);

  torch::NoGradGuard no_grad;
  const torch::Tensor h_t = model->Embed(batch.samples.flatten(0, 1));
  const torch::Tensor h_c = model->Embed(batch.controls.flatten(0, 1));
  const std::vector<int64_t> y = ToVector(batch.compound);
  std::vector<int64_t> paclr_labels;
  for (int64_t label : y)
    paclr_labels.insert(paclr_labels.end(), {label, label});
  paclr_labels.insert(paclr_labels.end(), 10, kControlLabel);
  const double paclr = testing::NaiveSupCon(
      model->Project(torch::cat({h_t, h_c})).to(torch::kDouble), paclr_labels,
      tau);
  EXPECT_NEAR(parts.paclr.item<double>(), paclr, 1e-5 * paclr);

  const torch::Tensor m = model->EncodeMolecule(batch.molecule);
  std::vector<int64_t> cf_labels = y;
  cf_labels.insert(cf_labels.end(), y.begin(), y.end());
  double cf = 0;
  for (int64_t v = 0; v < 2; ++v) {
    const torch::Tensor treated = h_t.view({5, 2, -1}).select(1, v);
    const torch::Tensor predicted =
        model->Counterfactual(h_c.view({5, 2, -1}).select(1, v), m);
    cf += testing::NaiveSupCon(
              torch::cat({model->Project(treated), model->Project(predicted)})
                  .to(torch::kDouble),
              cf_labels, tau) /
          2;
  }
  EXPECT_NEAR(parts.counterfactual.item<double>(), cf, 1e-5 * cf);
  EXPECT_NEAR(parts.total.item<double>(), paclr + 0.7 * cf,
              1e-5 * (paclr + cf));
}

// The h-space term is the mean over treated samples and views of
// 1 - cos(h_hat, h_treated); it trains G and M, never the encoder, and the
// residual generator with G's output zeroed predicts the control itself.
TEST(StepLoss, HSpaceAlignmentIsTheMeanMisalignmentAndTrainsOnlyTheGenerator) {
  torch::manual_seed(11);
  MiconModelOptions options = ProfileModel(10, 12);
  options.generator_form = GeneratorForm::kResidual;
  MiconModel model(options);
  SingleProcessGather gather;
  const StepBatch batch = RandomProfileBatch(5, 10, 12);
  StepLossOptions loss{Objective::kMicon, 0.5, 0.7};
  loss.lambda_h = 0.3;
  const LossParts parts = ComputeStepLoss(*model, batch, loss, gather);
  ASSERT_TRUE(parts.counterfactual_h.defined());
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor h_t = model->Embed(batch.samples.flatten(0, 1));
    const torch::Tensor h_c = model->Embed(batch.controls.flatten(0, 1));
    const torch::Tensor h_hat = model->Counterfactual(
        h_c, model->EncodeMolecule(batch.molecule).repeat_interleave(2, 0));
    const double expected = (1 - (h_hat * h_t).sum(1)).mean().item<double>();
    EXPECT_NEAR(parts.counterfactual_h.item<double>(), expected, 1e-6);
    EXPECT_NEAR(parts.total.item<double>(),
                parts.paclr.item<double>() +
                    0.7 * parts.counterfactual.item<double>() + 0.3 * expected,
                1e-5);
  }
  parts.counterfactual_h.backward();
  EXPECT_TRUE(AllGradsZero(model->encoder()));
  for (const char* name : {"generator", "molecule"}) {
    EXPECT_FALSE(AllGradsZero(*model->named_children()[name])) << name;
  }
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_children()["generator"]->parameters()) p.zero_();
  const torch::Tensor h_c = model->Embed(batch.controls.select(1, 0));
  EXPECT_TRUE(torch::allclose(
      model->Counterfactual(h_c, model->EncodeMolecule(batch.molecule)), h_c,
      1e-6, 1e-6));
  // Without lambda_h the term is not computed.
  EXPECT_FALSE(ComputeStepLoss(*model, batch, {Objective::kMicon, 0.5}, gather)
                   .counterfactual_h.defined());
}

// The detach ablation: with counterfactual_detach_treated false, the
// counterfactual loss and the h-space term reach the encoder through
// h_treated, and the values are those of the detached loss.
TEST(StepLoss, CounterfactualReachesTheEncoderOnlyWhenNotDetached) {
  for (const bool detach : {true, false}) {
    torch::manual_seed(12);
    MiconModel model(ProfileModel(10, 12));
    SingleProcessGather gather;
    const StepBatch batch = RandomProfileBatch(6, 10, 12);
    StepLossOptions loss{Objective::kMicon, 0.5, 0.7};
    loss.lambda_h = 0.3;
    loss.counterfactual_detach_treated = detach;
    const LossParts parts = ComputeStepLoss(*model, batch, loss, gather);
    torch::manual_seed(12);
    MiconModel reference(ProfileModel(10, 12));
    const LossParts detached = ComputeStepLoss(
        *reference, batch,
        {Objective::kMicon, 0.5, 0.7, kDefaultAnchorChunk, 0.3}, gather);
    EXPECT_NEAR(parts.total.item<double>(), detached.total.item<double>(),
                1e-6);
    parts.counterfactual.backward({}, /*retain_graph=*/true);
    EXPECT_EQ(AllGradsZero(model->encoder()), detach) << detach;
    model->zero_grad();
    parts.counterfactual_h.backward();
    EXPECT_EQ(AllGradsZero(model->encoder()), detach) << detach;
  }
}

TEST(StepLoss, PaclrOnlyHasNoCounterfactualPartAndNeedsNoMolecules) {
  torch::manual_seed(2);
  MiconModel model(ProfileModel(10, 12));
  SingleProcessGather gather;
  StepBatch batch = RandomProfileBatch(5, 10, 12);
  batch.molecule = torch::Tensor();
  const LossParts parts =
      ComputeStepLoss(*model, batch, {Objective::kPaclr, 1.0}, gather);
  EXPECT_FALSE(parts.counterfactual.defined());
  EXPECT_TRUE(torch::isfinite(parts.total).item<bool>());
  EXPECT_THROW(ComputeStepLoss(*model, batch, {Objective::kMicon, 1.0}, gather),
               c10::Error);
}

TEST(StepLoss, SimclrAndClipEqualTheirLossesOnTheModelsOutputs) {
  torch::manual_seed(3);
  MiconModel model(ProfileModel(10, 12));
  SingleProcessGather gather;
  const StepBatch batch = RandomProfileBatch(4, 10, 12);
  const LossParts simclr =
      ComputeStepLoss(*model, batch, {Objective::kSimclr, 0.5}, gather);
  const torch::Tensor z =
      model->Project(model->Embed(batch.samples.flatten(0, 1)));
  const torch::Tensor ids = torch::arange(8, torch::kLong).floor_divide(2);
  EXPECT_NEAR(simclr.total.item<double>(),
              NtXentLoss(z, z, ids, ids, 0, {0.5}).item<double>(), 1e-6);

  // The batch's compounds repeat (randint over 3), so the repeats leave the
  // negatives.
  StepBatch clip_batch{
      batch.samples.slice(1, 0, 1), {}, batch.compound, batch.molecule};
  const LossParts clip =
      ComputeStepLoss(*model, clip_batch, {Objective::kClip}, gather);
  const torch::Tensor u =
      model->Project(model->Embed(batch.samples.select(1, 0)));
  const torch::Tensor v =
      model->ProjectMolecule(model->EncodeMolecule(batch.molecule));
  EXPECT_NEAR(clip.total.item<double>(),
              ClipLoss(u, u, v, v, 0, model->ClipLogitScale(),
                       kDefaultAnchorChunk, {batch.compound, batch.compound})
                  .item<double>(),
              1e-6);
  clip.total.backward();
  EXPECT_NE(model->named_parameters()["clip_log_scale"].grad().item<double>(),
            0.0);
}

TEST(StepLoss, ImageModelTrainsEndToEnd) {
  torch::manual_seed(4);
  MiconModelOptions o;
  o.image =
      ImageEncoderOptions{ResNetOptions{18, 3, NormKind::kGroup}, 3,
                          ChannelMode::kPerChannel, /*trainable_stages=*/1};
  o.molecule_features = 16;
  MiconModel model(o);
  SingleProcessGather gather;
  const StepBatch batch{
      torch::rand({2, 2, 3, 32, 32}), torch::rand({2, 2, 3, 32, 32}),
      torch::tensor({0, 1}, torch::kLong), torch::rand({2, 16})};
  const LossParts parts =
      ComputeStepLoss(*model, batch, {Objective::kMicon}, gather);
  parts.total.backward();
  EXPECT_TRUE(torch::isfinite(parts.total).item<bool>());
  const auto params = model->named_parameters();
  EXPECT_TRUE(params["encoder.trunk.layer4.1.conv2.weight"]
                  .grad()
                  .abs()
                  .sum()
                  .item<double>() > 0);
  EXPECT_FALSE(params["encoder.trunk.layer1.0.conv1.weight"].grad().defined());
}

// (The configuration's error for an unknown objective is tested with the
// configuration: tests/launch/train/train_config_test.cc.)
TEST(Objective, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(ParseEnum(kObjectiveNames, "clip"), Objective::kClip);
  EXPECT_EQ(std::string(ObjectiveName(*ParseEnum(kObjectiveNames, "paclr"))),
            "paclr");
  EXPECT_FALSE(ParseEnum(kObjectiveNames, "byol").has_value());
}

// A screen where plate effects swamp biology: profiles = A *
// phenotype(compound) + plate offset
// + noise, controls = plate offset + noise, plate offsets 3x larger than
// phenotypes.
struct TinyScreen {
  static constexpr int64_t kCompounds = 16, kPlates = 8, kLatent = 8,
                           kFeatures = 32, kBits = 64;
  torch::Tensor fingerprints, phenotypes, mixing, plate_offsets;

  explicit TinyScreen(int seed) {
    torch::manual_seed(seed);
    fingerprints = torch::randint(0, 2, {kCompounds, kBits}).to(torch::kFloat);
    phenotypes = torch::tanh(
        torch::mm(fingerprints, torch::randn({kBits, kLatent}) * 0.4));
    mixing = torch::randn({kLatent, kFeatures});
    plate_offsets = torch::randn({kPlates, kFeatures}) * 3;
  }
  torch::Tensor Treated(const torch::Tensor& compounds,
                        const torch::Tensor& plates) const {
    return torch::mm(phenotypes.index_select(0, compounds), mixing) +
           plate_offsets.index_select(0, plates) +
           0.3 * torch::randn({compounds.size(0), kFeatures});
  }
  torch::Tensor Control(const torch::Tensor& plates) const {
    return plate_offsets.index_select(0, plates) +
           0.3 * torch::randn({plates.size(0), kFeatures});
  }
  StepBatch Sample(int64_t b) const {
    const torch::Tensor compounds =
        torch::randint(0, kCompounds, {b}, torch::kLong);
    const torch::Tensor plate_a = torch::randint(0, kPlates, {b}, torch::kLong);
    const torch::Tensor plate_b =
        (plate_a + torch::randint(1, kPlates, {b}, torch::kLong)) % kPlates;
    const torch::Tensor samples = torch::stack(
        {Treated(compounds, plate_a), Treated(compounds, plate_b)}, 1);
    const torch::Tensor controls =
        torch::stack({Control(plate_a), Control(plate_b)}, 1);
    return {samples, controls, compounds,
            fingerprints.index_select(0, compounds)};
  }
  // Share of (compound, plate) profiles whose nearest profile on another plate
  // is the same compound: replicate matching with the query's own plate
  // excluded.
  double ReplicateTop1(MiconModelImpl& model) const {
    torch::NoGradGuard no_grad;
    torch::manual_seed(99);
    const torch::Tensor compounds =
        torch::arange(kCompounds).repeat_interleave(kPlates);
    const torch::Tensor plates = torch::arange(kPlates).repeat({kCompounds});
    const torch::Tensor h = model.Embed(Treated(compounds, plates));
    torch::Tensor sim = torch::mm(h, h.t());
    sim.masked_fill_(plates.unsqueeze(1) == plates.unsqueeze(0), -2.0);
    const torch::Tensor nearest = sim.argmax(1);
    return (compounds.index_select(0, nearest) == compounds)
        .to(torch::kFloat)
        .mean()
        .item<double>();
  }
};

TEST(StepLoss, MiconLearnsToMatchReplicatesAcrossPlates) {
  const TinyScreen screen(5);
  torch::manual_seed(6);
  MiconModel model(ProfileModel(TinyScreen::kFeatures, TinyScreen::kBits));
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(3e-3));
  SingleProcessGather gather;
  const double before = screen.ReplicateTop1(*model);
  double first = 0, last = 0;
  const int steps = 300, window = 30;
  for (int step = 0; step < steps; ++step) {
    const LossParts parts = ComputeStepLoss(*model, screen.Sample(16),
                                            {Objective::kMicon, 0.2}, gather);
    optimizer.zero_grad();
    parts.total.backward();
    optimizer.step();
    if (step < window) first += parts.total.item<double>() / window;
    if (step >= steps - window) last += parts.total.item<double>() / window;
  }
  const double after = screen.ReplicateTop1(*model);
  std::printf("loss %.3f -> %.3f, replicate top-1 %.3f -> %.3f (chance %.3f)\n",
              first, last, before, after, 1.0 / TinyScreen::kCompounds);
  EXPECT_LT(last, 0.8 * first);
  EXPECT_GT(after, before + 0.3);
  EXPECT_GT(after, 0.7);
}

}  // namespace
}  // namespace micon
