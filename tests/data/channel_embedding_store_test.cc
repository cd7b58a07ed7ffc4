// The per-channel embedding store as a dataset: what micon writes reads back,
// every plate must agree on channels, width and encoder, and the well source
// turns sampled images into whole (or subsampled) wells.
#include "data/channel_embedding_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "data/batch_sampler.h"
#include "data/dataset.h"
#include "data/well_embedding_source.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::HasSubstr;

constexpr int64_t kDim = 3;

// Value of plate p's image i, channel c, feature d: readable in failures.
float Value(int64_t p, int64_t i, int64_t c, int64_t d) {
  return static_cast<float>(p * 1000 + i * 10 + c) + 0.01f * d;
}

// A01: cpd-a on 3 fields; A02: cpd-b on 1; B01: DMSO on 2.
ChannelEmbeddingPlate TestPlate(int64_t p, int64_t dim = kDim,
                                const std::string& encoder = "ckpt-1") {
  ChannelEmbeddingPlate plate;
  plate.header.source = "s" + std::to_string(p);
  plate.header.batch = "b1";
  plate.header.plate = "P" + std::to_string(p);
  plate.header.channels = {"DNA", "ER"};
  plate.images = {{"A01", 0, "cpd-a", false}, {"A02", 0, "cpd-b", false},
                  {"A01", 1, "cpd-a", false}, {"B01", 0, "DMSO", true},
                  {"A01", 2, "cpd-a", false}, {"B01", 1, "DMSO", true}};
  plate.dim = dim;
  plate.encoder = encoder;
  for (int64_t i = 0; i < 6; ++i) {
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t d = 0; d < dim; ++d) {
        plate.embeddings.push_back(Value(p, i, c, d));
      }
    }
  }
  return plate;
}

std::string WriteStore(const std::vector<ChannelEmbeddingPlate>& plates) {
  const std::string root = ScratchDir() + "/store";
  std::filesystem::create_directories(root + "/plates");
  std::ofstream(root + "/compounds.csv")
      << "compound_id,smiles\ncpd-a,CCO\ncpd-b,c1ccccc1\n";
  for (const ChannelEmbeddingPlate& p : plates) {
    EXPECT_TRUE(WriteChannelEmbeddingPlate(
                    p, root + "/plates/" + p.header.plate + ".h5")
                    .ok());
  }
  return root;
}

TEST(ChannelEmbeddingStore, WhatIsWrittenReadsBack) {
  const std::string root = WriteStore({TestPlate(1)});
  MICON_ASSERT_OK_AND_ASSIGN(ChannelEmbeddingPlate read,
                             ReadChannelEmbeddingPlate(root + "/plates/P1.h5"));
  const ChannelEmbeddingPlate written = TestPlate(1);
  EXPECT_EQ(read.embeddings, written.embeddings);
  EXPECT_EQ(read.dim, kDim);
  EXPECT_EQ(read.encoder, "ckpt-1");
  EXPECT_EQ(read.header.channels, written.header.channels);
  ASSERT_EQ(read.images.size(), 6u);
  EXPECT_EQ(read.images[4].well, "A01");
  EXPECT_EQ(read.images[4].site, 2);
  EXPECT_TRUE(read.images[5].control);
}

TEST(ChannelEmbeddingStore, OpensAsADatasetOfItsOwnKind) {
  const std::string root = WriteStore({TestPlate(1), TestPlate(2)});
  MICON_ASSERT_OK_AND_ASSIGN(Dataset d, OpenDataset(root));
  EXPECT_EQ(d.kind, DatasetKind::kEmbeddingStore);
  EXPECT_EQ(d.embedding_dim, kDim);
  EXPECT_EQ(d.embedding_encoder, "ckpt-1");
  ASSERT_EQ(d.plates().size(), 2u);
  EXPECT_EQ(d.plates()[1].header.plate, "P2");
  EXPECT_EQ(d.compounds().Find("cpd-b")->smiles, "c1ccccc1");
  EXPECT_EQ(d.WithPlates({1}).embedding_dim, kDim);
}

// The encoder's model checksum (DESIGN.md §8) reads back; a plate without
// one (a store written before it was recorded) reads as "", and plates of one
// checkpoint path with different checksums (the run went on and rewrote it)
// are not one store.
TEST(ChannelEmbeddingStore, TheEncodersChecksumIsPartOfItsIdentity) {
  ChannelEmbeddingPlate one = TestPlate(1), two = TestPlate(2);
  one.encoder_checksum = two.encoder_checksum = "00000000deadbeef";
  std::string root = WriteStore({one, two});
  MICON_ASSERT_OK_AND_ASSIGN(Dataset d, OpenDataset(root));
  EXPECT_EQ(d.embedding_encoder_checksum, "00000000deadbeef");
  MICON_ASSERT_OK_AND_ASSIGN(ChannelEmbeddingPlate read,
                             ReadChannelEmbeddingPlate(root + "/plates/P1.h5"));
  EXPECT_EQ(read.encoder_checksum, "00000000deadbeef");
  std::filesystem::remove_all(root);
  root = WriteStore({TestPlate(1)});
  MICON_ASSERT_OK_AND_ASSIGN(read,
                             ReadChannelEmbeddingPlate(root + "/plates/P1.h5"));
  EXPECT_EQ(read.encoder_checksum, "");
  std::filesystem::remove_all(root);
  two.encoder_checksum = "00000000feedface";
  root = WriteStore({one, two});
  const absl::StatusOr<Dataset> mixed = OpenDataset(root);
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(
      mixed.status().message(),
      AllOf(HasSubstr("P2.h5"), HasSubstr("model checksum 00000000feedface"),
            HasSubstr("model checksum 00000000deadbeef"),
            HasSubstr("one encoder")));
}

TEST(ChannelEmbeddingStore, PlatesMustAgreeOnWidthAndEncoder) {
  std::string root = WriteStore({TestPlate(1), TestPlate(2, kDim + 1)});
  absl::StatusOr<Dataset> d = OpenDataset(root);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(),
              AllOf(HasSubstr("P2.h5"), HasSubstr("P1.h5"),
                    HasSubstr("width 4"), HasSubstr("one encoder")));
  std::filesystem::remove_all(root);
  root = WriteStore({TestPlate(1), TestPlate(2, kDim, "ckpt-2")});
  d = OpenDataset(root);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("'ckpt-2'"));
}

// The plate attributes every h5py-written plate below carries.
constexpr char kH5pyPlateAttributes[] =
    "    for k, v in [('source', 's1'), ('batch', 'b1'), ('plate', 'P1'),\n"
    "                 ('encoder', 'h5py')]:\n"
    "        f.attrs[k] = v\n";

void RunH5py(const std::string& script) {
  const testing::CommandResult r =
      testing::RunCommand("/usr/bin/python3 -c \"" + script + "\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// h5py writes a store (float16, as DESIGN.md §8 allows) that micon reads;
// a wrong shape is named with its file and field.
absl::StatusOr<Dataset> OpenH5pyStore(int64_t stored_channels) {
  const std::string root = WriteStore({});
  const std::string script = absl::StrCat(
      "import h5py, numpy as np\n"
      "with h5py.File('",
      root,
      "/plates/P1.h5', 'w') as f:\n"
      "    x = np.arange(6 * ",
      stored_channels, " * 3).reshape(6, ", stored_channels,
      ", 3) / 8\n"
      "    f['embeddings'] = x.astype(np.float16)\n"
      "    f['well'] = ['A01', 'A01', 'A02', 'A02', 'B01', 'B01']\n"
      "    f['site'] = np.array([0, 1, 0, 1, 0, 1], dtype=np.int32)\n"
      "    f['compound'] = ['cpd-a'] * 2 + ['cpd-b'] * 2 + ['DMSO'] * 2\n"
      "    f['control'] = np.array([0, 0, 0, 0, 1, 1], "
      "dtype=np.uint8)\n",
      kH5pyPlateAttributes, "    f.attrs['channels'] = ['DNA', 'ER']\n");
  RunH5py(script);
  return OpenDataset(root);
}

TEST(ChannelEmbeddingStore, H5pyStoresLoadAndWrongShapesAreNamed) {
  MICON_ASSERT_OK_AND_ASSIGN(Dataset d, OpenH5pyStore(2));
  EXPECT_EQ(d.kind, DatasetKind::kEmbeddingStore);
  EXPECT_EQ(d.embedding_encoder, "h5py");
  MICON_ASSERT_OK_AND_ASSIGN(ChannelEmbeddingPlate p,
                             ReadChannelEmbeddingPlate(d.plates()[0].path));
  ASSERT_EQ(p.embeddings.size(), 36u);
  EXPECT_EQ(p.embeddings[35], 35.0f / 8);  // exact in float16
  std::filesystem::remove_all(d.paths.folder);
  const absl::StatusOr<Dataset> bad = OpenH5pyStore(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              AllOf(HasSubstr("P1.h5"), HasSubstr("dataset /embeddings"),
                    HasSubstr("3 channels")));
  EXPECT_FALSE(HasChannelEmbeddings(d.paths.folder + "/compounds.csv"));
  const absl::StatusOr<ChannelEmbeddingPlate> missing =
      ReadChannelEmbeddingPlate(d.paths.folder + "/plates/none.h5");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("none.h5"));
}

// Damaged plates that claim more than any store holds: each is refused,
// naming the field, before anything of the claimed size is allocated. The
// files themselves are tiny (unwritten chunks, compressed strings).
absl::StatusOr<ChannelEmbeddingPlate> ReadDamagedPlate(
    const std::string& channels, const std::string& embeddings,
    const std::string& wells) {
  const std::string path = ScratchDir() + "/damaged.h5";
  const std::string script = absl::StrCat(
      "import h5py, numpy as np\n"
      "with h5py.File('",
      path,
      "', 'w') as f:\n"
      "    f.attrs['channels'] = ",
      channels,
      "\n"
      "    ",
      embeddings,
      "\n"
      "    ",
      wells,
      "\n"
      "    f['site'] = np.arange(64, dtype=np.int32)\n"
      "    f['compound'] = ['DMSO'] * 64\n"
      "    f['control'] = np.ones(64, dtype=np.uint8)\n",
      kH5pyPlateAttributes);
  RunH5py(script);
  return ReadChannelEmbeddingPlate(path);
}

constexpr char kWells64[] = "f['well'] = ['A01'] * 64";
constexpr char kChannels1024[] = "[f'c{i}' for i in range(1024)]";

// The damaged-dimension regression: /embeddings claims [64, 1024, 65536], each
// axis within its own limit, 2^32 floats (16 GiB) in all. The reader used to
// check the axes one by one and then allocate the product.
TEST(ChannelEmbeddingStore, ADamagedShapeIsRefusedBeforeAllocating) {
  const absl::StatusOr<ChannelEmbeddingPlate> p = ReadDamagedPlate(
      kChannels1024,
      "f.create_dataset('embeddings', shape=(64, 1024, 65536), dtype='f4', "
      "chunks=(1, 1, 1024))",
      kWells64);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("damaged.h5"), HasSubstr("dataset /embeddings"),
                    HasSubstr("[64, 1024, 65536]"), HasSubstr("damaged?")));
}

// Fixed-length wells of 1 MiB each (compressed to nothing on disk).
TEST(ChannelEmbeddingStore, AnOverlongStringTypeIsRefusedBeforeAllocating) {
  const absl::StatusOr<ChannelEmbeddingPlate> p = ReadDamagedPlate(
      "['DNA']", "f['embeddings'] = np.zeros((64, 1, 2), dtype=np.float32)",
      "f.create_dataset('well', data=np.array([b'A01'] * 64, "
      "dtype='S1048576'), compression='gzip')");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("damaged.h5"), HasSubstr("dataset /well"),
                    HasSubstr("64 strings of 1048576 bytes")));
}

// The sampler's images stand for their wells.
struct SourceFixture {
  std::vector<PlateMetadata> plates;
  std::unique_ptr<WellEmbeddingSource> source;
};

SourceFixture MakeSource(int64_t fields_per_well, int64_t batch) {
  const std::string root = WriteStore({TestPlate(1), TestPlate(2)});
  absl::StatusOr<Dataset> d = OpenDataset(root);
  EXPECT_TRUE(d.ok()) << d.status();
  SourceFixture f;
  f.plates = d->plates();
  absl::StatusOr<BatchSampler> sampler =
      BatchSampler::Create(f.plates, {0, 1}, {{"cpd-a", 0}, {"cpd-b", 1}},
                           {SamplingMode::kClip, batch, /*seed=*/5, 0, 1});
  EXPECT_TRUE(sampler.ok()) << sampler.status();
  absl::StatusOr<std::unique_ptr<WellEmbeddingSource>> source =
      WellEmbeddingSource::Create(f.plates, {0, 1}, torch::eye(2).mul(7) + 1,
                                  *std::move(sampler),
                                  {fields_per_well, /*seed=*/5});
  EXPECT_TRUE(source.ok()) << source.status();
  f.source = *std::move(source);
  return f;
}

TEST(WellEmbeddingSource, ABatchHoldsWholeWellsPaddedAndMarked) {
  SourceFixture f = MakeSource(/*fields_per_well=*/0, /*batch=*/2);
  MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch b, f.source->Next());
  const StepBatch& s = b.batch;
  ASSERT_EQ(s.samples.sizes(), (std::vector<int64_t>{2, 3, 2, kDim}));
  for (int64_t i = 0; i < 2; ++i) {
    const int64_t label = s.compound[i].item<int64_t>();
    const int64_t fields = label == 0 ? 3 : 1;  // cpd-a: A01; cpd-b: A02
    EXPECT_EQ(s.present[i].sum().item<int64_t>(), fields);
    EXPECT_TRUE(s.present[i].narrow(0, 0, fields).all().item<bool>());
    EXPECT_EQ(
        s.samples[i].narrow(0, fields, 3 - fields).abs().sum().item<float>(),
        0.0f);
    EXPECT_EQ(s.molecule[i][label].item<float>(), 8.0f);
    // Every present slot is a field of the compound's well, with its
    // vectors: image index from the value's tens.
    std::set<int64_t> images;
    for (int64_t k = 0; k < fields; ++k) {
      const int64_t image =
          (static_cast<int64_t>(s.samples[i][k][0][0].item<float>()) % 1000) /
          10;
      images.insert(image);
      EXPECT_FLOAT_EQ(s.samples[i][k][1][2].item<float>(),
                      s.samples[i][k][0][0].item<float>() + 1.02f);
    }
    const std::set<int64_t> expected =
        label == 0 ? std::set<int64_t>{0, 2, 4} : std::set<int64_t>{1};
    EXPECT_EQ(images, expected);
  }
}

TEST(WellEmbeddingSource, SubsamplesFieldsAnewEachStepAndReproducibly) {
  SourceFixture f = MakeSource(/*fields_per_well=*/2, /*batch=*/2);
  SourceFixture again = MakeSource(2, 2);
  std::set<std::vector<float>> draws;
  for (int step = 0; step < 12; ++step) {
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch b, f.source->Next());
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch c, again.source->Next());
    EXPECT_TRUE(torch::equal(b.batch.samples, c.batch.samples));
    EXPECT_EQ(b.batch.samples.size(1), 2);
    for (int64_t i = 0; i < 2; ++i) {
      if (b.batch.compound[i].item<int64_t>() != 0) continue;
      EXPECT_TRUE(b.batch.present[i].all().item<bool>());
      const torch::Tensor firsts =
          b.batch.samples[i].select(1, 0).select(1, 0).contiguous();
      draws.insert(std::vector<float>(firsts.data_ptr<float>(),
                                      firsts.data_ptr<float>() + 2));
    }
  }
  EXPECT_GT(draws.size(), 1u);  // not always the same two fields
  EXPECT_EQ(f.source->state().step, 12);
}

}  // namespace
}  // namespace micon
