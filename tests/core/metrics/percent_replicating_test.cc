// Percent replicating: the definition on hand-made cases, and cytominer-eval's
// own golden values on its real SQ00015054 example.
#include "core/metrics/percent_replicating.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <numeric>

#include "core/metrics/profile_similarity.h"
#include "data/profile_frame.h"
#include "tests/test_support.h"

namespace micon {
namespace {

TEST(LinearQuantile, InterpolatesAsPandas) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 0.95), 3.85);  // pd.Series(v).quantile
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 1.0), 4.0);
}

TEST(PercentReplicating, CountsReplicatePairsAboveTheNullQuantile) {
  // Rows 0-2 are group a, row 3 group b. Replicate pairs: (0,1) 0.9,
  // (0,2) 0.1, (1,2) 0.5; non-replicate: (0,3) 0.2, (1,3) 0.3, (2,3) 0.4.
  const at::Tensor s = torch::tensor({{1.0, 0.9, 0.1, 0.2},
                                      {0.9, 1.0, 0.5, 0.3},
                                      {0.1, 0.5, 1.0, 0.4},
                                      {0.2, 0.3, 0.4, 1.0}},
                                     torch::kFloat64);
  const PercentReplicating p =
      ComputePercentReplicating(s, {"a", "a", "a", "b"}, 0.5);
  EXPECT_EQ(p.replicate_pairs, 3);
  EXPECT_EQ(p.non_replicate_pairs, 3);
  EXPECT_DOUBLE_EQ(p.threshold, 0.3);
  EXPECT_DOUBLE_EQ(p.score, 2.0 / 3.0);  // 0.9 and 0.5 > 0.3
  ASSERT_EQ(p.medians.size(), 1u);       // b has no replicate pair
  EXPECT_EQ(p.medians[0].group, "a");
  EXPECT_DOUBLE_EQ(p.medians[0].median, 0.5);
}

TEST(PercentReplicating, RefusesInputWithoutBothKindsOfPairs) {
  const at::Tensor s = torch::eye(2, torch::kFloat64);
  EXPECT_THROW(ComputePercentReplicating(s, {"a", "b"}), c10::Error);
  EXPECT_THROW(ComputePercentReplicating(s, {"a", "a"}), c10::Error);
}

class CytominerEvalGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<ProfileFrame> f = ReadProfileFrame(testing::SharedData(
        "profiles_lincs_SQ00015054/SQ00015054_normalized_feature_select.csv."
        "gz"));
    ASSERT_TRUE(f.ok()) << f.status();
    frame_ = new ProfileFrame(*std::move(f));
    similarity_ = new at::Tensor(PearsonSimilarity(frame_->features));
  }
  static PercentReplicating Score(const std::vector<std::string>& groups) {
    absl::StatusOr<std::vector<std::string>> keys = GroupKeys(*frame_, groups);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return ComputePercentReplicating(*similarity_, *keys, 0.95);
  }
  static ProfileFrame* frame_;
  static at::Tensor* similarity_;
};
ProfileFrame* CytominerEvalGolden::frame_ = nullptr;
at::Tensor* CytominerEvalGolden::similarity_ = nullptr;

// cytominer-eval tests/test_operations/test_replicate_reproducibility.py
// (values as ../shared/data/README.md lists them, to their 4 decimals).
TEST_F(CytominerEvalGolden, CompoundAndDoseReplicates) {
  ASSERT_EQ(frame_->rows(), 384);
  ASSERT_EQ(frame_->feature_names.size(), 454u);
  const PercentReplicating p =
      Score({"Metadata_broad_sample", "Metadata_mg_per_ml"});
  EXPECT_NEAR(p.score, 0.4583, 5e-5);
  double sum = 0;
  for (const ReplicateGroupMedian& m : p.medians) sum += m.median;
  EXPECT_NEAR(sum / static_cast<double>(p.medians.size()), 0.5407, 5e-5);
}

TEST_F(CytominerEvalGolden, MechanismReplicates) {
  const PercentReplicating p = Score({"Metadata_moa"});
  EXPECT_NEAR(p.score, 0.3074, 5e-5);
  ASSERT_FALSE(p.medians.empty());
  EXPECT_EQ(p.medians[0].group, "PKC activator");
  EXPECT_NEAR(p.medians[0].median, 0.9357, 5e-5);
}

// Streamed in tiles (float32, two passes), the golden example gives the
// matrix's answers.
TEST_F(CytominerEvalGolden, StreamedInTilesGivesTheSameAnswers) {
  absl::StatusOr<std::vector<std::string>> keys =
      GroupKeys(*frame_, {"Metadata_broad_sample", "Metadata_mg_per_ml"});
  ASSERT_TRUE(keys.ok()) << keys.status();
  const PercentReplicating want =
      ComputePercentReplicating(*similarity_, *keys, 0.95);
  const PercentReplicating got = StreamPercentReplicating(
      frame_->features, *keys, 0.95, {100, TilePrecision::kFloat32});
  EXPECT_EQ(got.score, want.score);
  EXPECT_NEAR(got.threshold, want.threshold, 1e-14);
  ASSERT_EQ(got.medians.size(), want.medians.size());
  for (size_t g = 0; g < want.medians.size(); ++g) {
    EXPECT_EQ(got.medians[g].group, want.medians[g].group);
    EXPECT_NEAR(got.medians[g].median, want.medians[g].median, 1e-14);
  }
}

}  // namespace
}  // namespace micon
