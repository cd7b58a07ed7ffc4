// The cross-channel encoder: a well's h depends on its present fields as a
// set, on which stain each vector came from, and on nothing else in the batch.
#include "core/cross_channel_encoder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

CrossChannelEncoder SmallEncoder() {
  torch::manual_seed(3);
  CrossChannelEncoder e(CrossChannelOptions{/*channels=*/3, /*input_dim=*/6,
                                            /*width=*/16, /*layers=*/2,
                                            /*heads=*/4, /*pool_hidden=*/8,
                                            /*dim=*/10});
  e->to(torch::kDouble);
  return e;
}

torch::Tensor AllPresent(int64_t b, int64_t k) {
  return torch::ones({b, k}, torch::kBool);
}

TEST(CrossChannelEncoder, GivesUnitRowsOfItsWidth) {
  CrossChannelEncoder e = SmallEncoder();
  const torch::Tensor h = e->EncodeWells(
      torch::randn({4, 2, 3, 6}, torch::kDouble), AllPresent(4, 2));
  EXPECT_EQ(h.sizes(), (std::vector<int64_t>{4, 10}));
  EXPECT_TRUE(torch::allclose(h.norm(2, 1), torch::ones({4}, torch::kDouble)));
}

TEST(CrossChannelEncoder, PaddingAndFieldOrderDoNotChangeAWell) {
  CrossChannelEncoder e = SmallEncoder();
  const torch::Tensor fields = torch::randn({1, 3, 3, 6}, torch::kDouble);
  const torch::Tensor h = e->EncodeWells(fields, AllPresent(1, 3));
  // Padded to 5 slots with garbage marked absent.
  torch::Tensor padded = torch::randn({1, 5, 3, 6}, torch::kDouble) * 100;
  padded.narrow(1, 1, 3).copy_(fields);
  const torch::Tensor present =
      torch::tensor({false, true, true, true, false}).unsqueeze(0);
  EXPECT_TRUE(
      torch::allclose(e->EncodeWells(padded, present), h, 1e-12, 1e-12));
  // Fields reversed.
  EXPECT_TRUE(torch::allclose(
      e->EncodeWells(fields.flip({1}), AllPresent(1, 3)), h, 1e-12, 1e-12));
}

TEST(CrossChannelEncoder, KnowsWhichStainEachVectorCameFrom) {
  CrossChannelEncoder e = SmallEncoder();
  const torch::Tensor fields = torch::randn({1, 2, 3, 6}, torch::kDouble);
  const torch::Tensor h = e->EncodeWells(fields, AllPresent(1, 2));
  const torch::Tensor swapped =
      fields.index_select(2, torch::tensor({1, 0, 2}));
  EXPECT_FALSE(torch::allclose(e->EncodeWells(swapped, AllPresent(1, 2)), h,
                               1e-6, 1e-6));
}

TEST(CrossChannelEncoder, AWellIsEncodedAloneWhateverItsBatch) {
  CrossChannelEncoder e = SmallEncoder();
  const torch::Tensor wells = torch::randn({3, 2, 3, 6}, torch::kDouble);
  const torch::Tensor present =
      torch::tensor({{true, true}, {true, false}, {true, true}});
  const torch::Tensor together = e->EncodeWells(wells, present);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(torch::allclose(
        e->EncodeWells(wells.narrow(0, i, 1), present.narrow(0, i, 1))[0],
        together[i], 1e-12, 1e-12))
        << "well " << i;
  }
  // One field per well, given as [B, C, D].
  const torch::Tensor first = wells.select(1, 0);
  EXPECT_TRUE(torch::allclose(
      e->Encode(first), e->EncodeWells(first.unsqueeze(1), AllPresent(3, 1)),
      1e-12, 1e-12));
}

TEST(CrossChannelEncoder, RemembersTheStainsItWasBuiltFor) {
  CrossChannelOptions o{3, 6, 16, 1, 4, 8, 10};
  o.channel_names = {"DNA", "ER", "RNA"};
  CrossChannelEncoder e(o);
  EXPECT_TRUE(e->SameChannels({"DNA", "ER", "RNA"}));
  EXPECT_FALSE(e->SameChannels({"ER", "DNA", "RNA"}));
  EXPECT_FALSE(e->SameChannels({"DNA", "ER"}));
  // The names travel with the state: a module built for other names takes
  // them on when loaded from this one.
  o.channel_names = {"A", "B", "C"};
  CrossChannelEncoder other(o);
  EXPECT_FALSE(other->SameChannels({"DNA", "ER", "RNA"}));
  for (const auto& b : e->named_buffers()) {
    other->named_buffers()[b.key()].copy_(b.value());
  }
  EXPECT_TRUE(other->SameChannels({"DNA", "ER", "RNA"}));
}

TEST(CrossChannelEncoder, RefusesWellsWithoutFieldsAndWrongShapes) {
  CrossChannelEncoder e = SmallEncoder();
  EXPECT_THROW(e->EncodeWells(torch::randn({2, 2, 3, 6}, torch::kDouble),
                              torch::tensor({{true, true}, {false, false}})),
               c10::Error);
  EXPECT_THROW(e->EncodeWells(torch::randn({2, 2, 4, 6}, torch::kDouble),
                              AllPresent(2, 2)),
               c10::Error);
  EXPECT_THROW(CrossChannelEncoder(CrossChannelOptions{3, 6, 10, 1, 4, 8, 10}),
               c10::Error);
}

}  // namespace
}  // namespace micon
