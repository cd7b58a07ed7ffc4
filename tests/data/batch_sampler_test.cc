// Plate sharding and batch sampling: the invariants MICON's losses rely on.
#include "data/batch_sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "data/plate_sharding.h"
#include "tests/data/screen_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::CompoundLabels;
using ::micon::testing::SmallScreen;

TEST(ShardPlates, BalancedMixedAndDeterministic) {
  const PlateStore& store = SmallScreen();
  for (int world : {1, 2, 3, 4, 8}) {
    MICON_ASSERT_OK_AND_ASSIGN(auto shards, ShardPlates(store.plates, world));
    MICON_ASSERT_OK_AND_ASSIGN(auto again, ShardPlates(store.plates, world));
    EXPECT_EQ(shards, again);
    std::set<size_t> seen;
    int64_t most = 0, least = 1 << 30;
    for (const auto& shard : shards) {
      ASSERT_FALSE(shard.empty());
      int64_t images = 0;
      std::set<std::string> batches;
      for (size_t p : shard) {
        EXPECT_TRUE(seen.insert(p).second) << "plate " << p << " on two ranks";
        images += store.plates[p].num_images();
        batches.insert(store.plates[p].header.batch);
      }
      most = std::max(most, images);
      least = std::min(least, images);
      // With 2 plates per batch, a rank holding 2+ plates holds 2+ batches.
      if (shard.size() >= 2) {
        EXPECT_GE(batches.size(), 2u) << "world " << world;
      }
    }
    EXPECT_EQ(seen.size(), store.plates.size());
    EXPECT_LE(most - least, store.plates[0].num_images()) << "world " << world;
  }
  EXPECT_THAT(ShardPlates(store.plates, 9).status().message(),
              ::testing::HasSubstr("9 ranks"));
}

// JUMP's shape without a file: 1,000 plates from 12 sources of unequal size,
// most with 384 wells x 9 sites, some with fewer sites or missing wells, over
// 64 ranks (8 nodes of 8 GPUs). What a run of that size gets: every plate
// once, image counts within one plate of each other, every rank's plates
// spread over several sources.
TEST(ShardPlates, AThousandPlatesOverSixtyFourRanks) {
  std::vector<PlateMetadata> plates;
  for (int p = 0; p < 1000; ++p) {
    PlateMetadata m;
    m.header.source = absl::StrCat("source_", p % 12 < 4 ? p % 12 : p % 7);
    m.header.batch = absl::StrCat(m.header.source, "_batch_", p / 60);
    m.header.plate = absl::StrCat("plate_", p);
    const int sites = p % 10 == 0 ? 4 : 9;
    const int wells = p % 13 == 0 ? 320 : 384;
    for (int w = 0; w < wells; ++w) {
      for (int s = 1; s <= sites; ++s) {
        m.images.push_back({absl::StrCat("w", w), s, "c", w < 32});
      }
    }
    plates.push_back(std::move(m));
  }
  MICON_ASSERT_OK_AND_ASSIGN(auto shards, ShardPlates(plates, 64));
  std::set<size_t> seen;
  size_t fewest_plates = plates.size(), most_plates = 0;
  int64_t fewest_images = 1LL << 40, most_images = 0;
  for (const auto& shard : shards) {
    std::set<std::string> sources;
    int64_t images = 0;
    for (size_t p : shard) {
      EXPECT_TRUE(seen.insert(p).second) << "plate " << p << " on two ranks";
      images += plates[p].num_images();
      sources.insert(plates[p].header.source);
    }
    EXPECT_GE(sources.size(), 4u);
    fewest_plates = std::min(fewest_plates, shard.size());
    most_plates = std::max(most_plates, shard.size());
    fewest_images = std::min(fewest_images, images);
    most_images = std::max(most_images, images);
  }
  EXPECT_EQ(seen.size(), plates.size());
  EXPECT_LE(most_images - fewest_images, 384 * 9);
  EXPECT_LE(most_plates - fewest_plates, 2u);
  std::printf("1000 plates over 64 ranks: %zu-%zu plates, %lld-%lld images\n",
              fewest_plates, most_plates, static_cast<long long>(fewest_images),
              static_cast<long long>(most_images));
}

TEST(BatchSampler, MiconEntriesPairPlatesAndSamePlateControls) {
  const PlateStore& store = SmallScreen();
  MICON_ASSERT_OK_AND_ASSIGN(auto shards, ShardPlates(store.plates, 2));
  const auto labels = CompoundLabels(store);
  for (int rank = 0; rank < 2; ++rank) {
    MICON_ASSERT_OK_AND_ASSIGN(
        BatchSampler sampler,
        BatchSampler::Create(store.plates, shards[rank], labels,
                             {SamplingMode::kMicon, 6, 42, rank, 2}));
    const std::set<size_t> mine(shards[rank].begin(), shards[rank].end());
    // Plates of this shard holding each compound.
    std::map<int64_t, std::set<int64_t>> plates_of;
    for (size_t p : shards[rank]) {
      for (const ImageRecord& r : store.plates[p].images) {
        if (!r.control) plates_of[labels.at(r.compound)].insert(int64_t(p));
      }
    }
    int different_batches = 0, entries = 0;
    for (int step = 0; step < 20; ++step) {
      const SampledBatch b = sampler.Next();
      ASSERT_EQ(b.entries.size(), 6u);
      std::set<int64_t> compounds;
      for (const MiconEntry& e : b.entries) {
        compounds.insert(e.compound);
        if (plates_of.at(e.compound).size() == 1) {
          // On one plate of the shard only: two wells of that plate.
          ASSERT_EQ(e.treated[0].plate, e.treated[1].plate);
          ASSERT_NE(e.treated[0].image, e.treated[1].image);
          continue;
        }
        ASSERT_NE(e.treated[0].plate, e.treated[1].plate);
        for (int v = 0; v < 2; ++v) {
          const PlateMetadata& plate = store.plates[e.treated[v].plate];
          EXPECT_TRUE(mine.count(e.treated[v].plate))
              << "rank read a plate outside its shard";
          EXPECT_EQ(e.control[v].plate, e.treated[v].plate);
          EXPECT_TRUE(plate.images[e.control[v].image].control);
          EXPECT_FALSE(plate.images[e.treated[v].image].control);
          EXPECT_EQ(labels.at(plate.images[e.treated[v].image].compound),
                    e.compound);
        }
        different_batches += store.plates[e.treated[0].plate].header.batch !=
                             store.plates[e.treated[1].plate].header.batch;
        ++entries;
      }
      EXPECT_EQ(compounds.size(), 6u)
          << "distinct compounds while enough are available";
    }
    // Each rank's 4 plates span 2+ batches, and every training compound is on
    // all of them.
    EXPECT_EQ(different_batches, entries) << "rank " << rank;
    EXPECT_GT(entries, 100) << "rank " << rank;
  }
}

TEST(BatchSampler, OnePlateScreenPairsTwoWellsOfThePlate) {
  // One plate: compounds with two wells are sampled as two distinct wells of
  // that plate, each with a control; a compound with one well never is.
  PlateMetadata plate;
  plate.path = "one.csv";
  plate.header.plate = "P";
  plate.images = {{"A01", 1, "c1", false},  {"A02", 1, "c1", false},
                  {"A03", 1, "c1", false},  {"A04", 1, "c2", false},
                  {"B01", 1, "DMSO", true}, {"B02", 1, "DMSO", true}};
  MICON_ASSERT_OK_AND_ASSIGN(
      BatchSampler sampler,
      BatchSampler::Create({plate}, {0}, {{"c1", 0}, {"c2", 1}},
                           {SamplingMode::kMicon, 4, 1, 0, 1}));
  for (int step = 0; step < 20; ++step) {
    for (const MiconEntry& e : sampler.Next().entries) {
      EXPECT_EQ(e.compound, 0);
      EXPECT_NE(e.treated[0].image, e.treated[1].image);
      for (int v = 0; v < 2; ++v) {
        EXPECT_EQ(plate.images[e.treated[v].image].compound, "c1");
        EXPECT_TRUE(plate.images[e.control[v].image].control);
      }
    }
  }
  EXPECT_FALSE(BatchSampler::Create({plate}, {0}, {{"c2", 1}},
                                    {SamplingMode::kMicon, 4, 1, 0, 1})
                   .ok());
}

TEST(BatchSampler, CompoundsOutsideTheLabelsAreNeverSampled) {
  const PlateStore& store = SmallScreen();
  std::vector<size_t> all(store.plates.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::map<std::string, int64_t> labels = CompoundLabels(store);
  ASSERT_GE(labels.size(), 2u);
  const std::string held_out = labels.begin()->first;
  labels.erase(labels.begin());
  for (SamplingMode mode :
       {SamplingMode::kMicon, SamplingMode::kSimclr, SamplingMode::kClip}) {
    MICON_ASSERT_OK_AND_ASSIGN(
        BatchSampler sampler,
        BatchSampler::Create(store.plates, all, labels, {mode, 8, 3, 0, 1}));
    int64_t treated = 0;
    for (int step = 0; step < 40; ++step) {
      const SampledBatch b = sampler.Next();
      std::vector<ImageRef> refs = b.images;
      for (const MiconEntry& e : b.entries) {
        refs.insert(refs.end(), {e.treated[0], e.treated[1]});
      }
      for (const ImageRef& r : refs) {
        const ImageRecord& image = store.plates[r.plate].images[r.image];
        if (image.control) continue;
        ++treated;
        ASSERT_NE(image.compound, held_out) << "mode " << int(mode);
      }
    }
    EXPECT_GT(treated, 0);
  }
}

TEST(BatchSampler, RestoringTheStateReproducesTheFutureBatches) {
  const PlateStore& store = SmallScreen();
  std::vector<size_t> all(store.plates.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  for (SamplingMode mode :
       {SamplingMode::kMicon, SamplingMode::kSimclr, SamplingMode::kClip}) {
    MICON_ASSERT_OK_AND_ASSIGN(
        BatchSampler a,
        BatchSampler::Create(store.plates, all, CompoundLabels(store),
                             {mode, 5, 7, 0, 1}));
    for (int i = 0; i < 13; ++i) a.Next();
    const SamplerState saved = a.state();
    std::vector<SampledBatch> future;
    for (int i = 0; i < 5; ++i) future.push_back(a.Next());
    MICON_ASSERT_OK_AND_ASSIGN(
        BatchSampler b,
        BatchSampler::Create(store.plates, all, CompoundLabels(store),
                             {mode, 5, 7, 0, 1}));
    MICON_ASSERT_OK(b.Restore(saved));
    for (int i = 0; i < 5; ++i) {
      const SampledBatch x = b.Next();
      EXPECT_EQ(x.step, future[i].step);
      EXPECT_EQ(x.images, future[i].images);
      EXPECT_EQ(x.compounds, future[i].compounds);
      ASSERT_EQ(x.entries.size(), future[i].entries.size());
      for (size_t e = 0; e < x.entries.size(); ++e) {
        EXPECT_EQ(x.entries[e].compound, future[i].entries[e].compound);
        EXPECT_EQ(x.entries[e].treated[1], future[i].entries[e].treated[1]);
        EXPECT_EQ(x.entries[e].control[0], future[i].entries[e].control[0]);
      }
    }
    EXPECT_FALSE(b.Restore({8, 0}).ok());  // another seed's state
  }
}

// While every rank owns at least a batch's worth of each step's compounds, no
// compound appears twice in the global batch.
TEST(BatchSampler, ClipCompoundsAreUniqueAcrossTheGlobalBatch) {
  const PlateStore& store = SmallScreen();
  const int world = 3;
  MICON_ASSERT_OK_AND_ASSIGN(auto shards, ShardPlates(store.plates, world));
  std::vector<BatchSampler> ranks;
  for (int r = 0; r < world; ++r) {
    MICON_ASSERT_OK_AND_ASSIGN(
        BatchSampler s,
        BatchSampler::Create(store.plates, shards[r], CompoundLabels(store),
                             {SamplingMode::kClip, 2, 3, r, world}));
    ranks.push_back(std::move(s));
  }
  for (int step = 0; step < 30; ++step) {
    std::multiset<int64_t> global;
    for (auto& s : ranks) {
      const SampledBatch b = s.Next();
      for (int64_t c : b.compounds) global.insert(c);
    }
    for (int64_t c : global)
      EXPECT_EQ(global.count(c), 1u) << "compound " << c << " step " << step;
    EXPECT_EQ(global.size(), 6u);
  }
}

// Asking for more images than the compounds a rank owns fills the batch by
// repeating compounds (the CLIP loss masks them out of each other's
// negatives), so every objective gets the budget data.batch_unit promises.
TEST(BatchSampler, ClipBatchesRepeatCompoundsToFillTheBatch) {
  const PlateStore& store = SmallScreen();
  const int world = 3;
  const auto labels = CompoundLabels(store);
  MICON_ASSERT_OK_AND_ASSIGN(auto shards, ShardPlates(store.plates, world));
  for (int r = 0; r < world; ++r) {
    MICON_ASSERT_OK_AND_ASSIGN(
        BatchSampler big,
        BatchSampler::Create(store.plates, shards[r], labels,
                             {SamplingMode::kClip, 200, 3, r, world}));
    std::set<int64_t> on_shard;
    for (size_t p : shards[r]) {
      for (const ImageRecord& image : store.plates[p].images) {
        if (!image.control) on_shard.insert(labels.at(image.compound));
      }
    }
    for (int64_t step = 0; step < 6; ++step) {
      const SampledBatch b = big.Batch(step);
      ASSERT_EQ(b.images.size(), 200u) << "rank " << r << " step " << step;
      ASSERT_EQ(b.compounds.size(), 200u);
      const std::set<int64_t> drawn(b.compounds.begin(), b.compounds.end());
      EXPECT_EQ(drawn, on_shard) << "every compound of the shard repeats";
      for (size_t i = 0; i < b.images.size(); ++i) {
        const ImageRecord& image =
            store.plates[b.images[i].plate].images[b.images[i].image];
        EXPECT_FALSE(image.control);
        EXPECT_EQ(labels.at(image.compound), b.compounds[i]);
      }
    }
  }
}

}  // namespace
}  // namespace micon
