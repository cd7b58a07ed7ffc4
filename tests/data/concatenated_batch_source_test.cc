// One process drawing what N ranks draw: parts' batches concatenated in rank
// order, wells padded with absent fields, and a part's error naming its rank.
#include "data/concatenated_batch_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

using ::testing::HasSubstr;

// A part that yields a fixed batch, or fails.
class FixedSource final : public BatchSource {
 public:
  explicit FixedSource(StepBatch batch, bool fails = false)
      : batch_(std::move(batch)), fails_(fails) {}
  absl::StatusOr<LoadedBatch> Next() override {
    if (fails_) return absl::DataLossError("plate P3: bad chunk");
    LoadedBatch out;
    out.step = step_++;
    out.batch = batch_;
    out.samples = batch_.samples.size(0);
    out.images = 2 * out.samples;
    return out;
  }
  SamplerState state() const override { return {1, step_}; }

 private:
  StepBatch batch_;
  bool fails_;
  int64_t step_ = 0;
};

StepBatch Wells(int64_t wells, int64_t fields, int64_t first_compound) {
  StepBatch b;
  b.samples = torch::rand({wells, fields, 2, 3}) + 1;  // never 0
  b.present = torch::ones({wells, fields}, torch::kBool);
  b.compound = torch::arange(first_compound, first_compound + wells);
  b.molecule = torch::rand({wells, 4});
  return b;
}

TEST(ConcatenatedBatchSource, ConcatenatesInRankOrderAndPadsWells) {
  const StepBatch a = Wells(2, 1, 0), b = Wells(1, 3, 10);
  std::vector<std::unique_ptr<BatchSource>> parts;
  parts.push_back(std::make_unique<FixedSource>(a));
  parts.push_back(std::make_unique<FixedSource>(b));
  auto source = ConcatenatedBatchSource::Create(std::move(parts));
  ASSERT_TRUE(source.ok()) << source.status();
  const absl::StatusOr<LoadedBatch> got = (*source)->Next();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->samples, 3);
  EXPECT_EQ(got->images, 6);
  const StepBatch& c = got->batch;
  EXPECT_EQ(c.samples.sizes(), (std::vector<int64_t>{3, 3, 2, 3}));
  EXPECT_TRUE(
      torch::equal(c.samples.narrow(0, 0, 2).narrow(1, 0, 1), a.samples));
  EXPECT_EQ(c.samples.narrow(0, 0, 2).narrow(1, 1, 2).abs().sum().item<float>(),
            0.0f);
  EXPECT_TRUE(torch::equal(c.samples[2], b.samples[0]));
  EXPECT_TRUE(torch::equal(
      c.present,
      torch::tensor({{1, 0, 0}, {1, 0, 0}, {1, 1, 1}}).to(torch::kBool)));
  EXPECT_TRUE(torch::equal(c.compound, torch::tensor({0, 1, 10})));
  EXPECT_TRUE(torch::equal(c.molecule, torch::cat({a.molecule, b.molecule})));
  EXPECT_FALSE(c.controls.defined());
  EXPECT_EQ((*source)->state().step, 1);
}

TEST(ConcatenatedBatchSource, NamesTheEmulatedRankThatFailed) {
  std::vector<std::unique_ptr<BatchSource>> parts;
  parts.push_back(std::make_unique<FixedSource>(Wells(1, 1, 0)));
  parts.push_back(std::make_unique<FixedSource>(Wells(1, 1, 1), true));
  auto source = ConcatenatedBatchSource::Create(std::move(parts));
  ASSERT_TRUE(source.ok());
  const absl::StatusOr<LoadedBatch> got = (*source)->Next();
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(),
              HasSubstr("emulated rank 1: plate P3: bad chunk"));
}

TEST(ConcatenatedBatchSource, RefusesPartsThatDisagree) {
  StepBatch with_controls = Wells(1, 1, 0);
  with_controls.controls = torch::rand({1, 3});
  EXPECT_THROW(ConcatenateBatches({with_controls, Wells(1, 1, 1)}), c10::Error);
  EXPECT_FALSE(ConcatenatedBatchSource::Create({}).ok());
}

}  // namespace
}  // namespace micon
