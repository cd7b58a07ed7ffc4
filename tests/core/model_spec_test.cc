// A configured model spec made concrete by the data's sizes: the one path by
// which training and every checkpoint reader build a model.
#include "core/model_spec.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

class CountingSum final : public CrossRankSum {
 public:
  at::Tensor Sum(const at::Tensor& local) override { return local; }
};

TEST(ModelSpec, ImagesTakeTheStainCountAndTheSyncOnlyForSyncBatch) {
  MiconModelOptions spec;  // resnet18, sync_batch, per channel
  auto sync = std::make_shared<CountingSum>();
  const MiconModelOptions o =
      ModelOptionsFor(spec, {.sample_width = 3, .molecule_features = 64}, sync);
  EXPECT_EQ(o.image.channels, 3);
  EXPECT_EQ(o.molecule_features, 64);
  EXPECT_EQ(o.image.resnet.sync, sync);
  spec.image.resnet.norm = NormKind::kGroup;
  EXPECT_EQ(ModelOptionsFor(spec, {3, 64}, sync).image.resnet.sync, nullptr);
  // The spec itself is untouched: the data's sizes are not configuration.
  EXPECT_EQ(spec.image.channels, MiconModelOptions().image.channels);
  MiconModel model(ModelOptionsFor(spec, {3, 64}));
  EXPECT_EQ(model->embedding_dim(), 3 * 512);  // per channel: C x d
}

TEST(ModelSpec, ProfilesTakeTheFeatureCount) {
  MiconModelOptions spec;
  spec.input = InputKind::kProfiles;
  spec.profile.hidden = {16};
  spec.profile.dim = 8;
  const MiconModelOptions o = ModelOptionsFor(spec, {24, 32});
  EXPECT_EQ(o.profile.features, 24);
  EXPECT_EQ(o.molecule_features, 32);
  MiconModel model(o);
  EXPECT_EQ(model->Embed(torch::randn({5, 24})).sizes(),
            (std::vector<int64_t>{5, 8}));
}

}  // namespace
}  // namespace micon
