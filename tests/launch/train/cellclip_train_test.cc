// CellCLIP end to end: a per-channel store written by `micon embed
// --per-channel` trains with loss.objective cellclip (both targets), resumes
// exactly, and is refused with any other input or objective.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/contrastive_losses.h"
#include "core/io/checkpoint_file.h"
#include "core/model_spec.h"
#include "data/channel_embedding_store.h"
#include "data/dataset.h"
#include "data/profile_frame.h"
#include "launch/train/metrics_log.h"
#include "launch/train/trained_model.h"
#include "tests/launch/train/train_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(CellclipTrain, TrainsFromAPerChannelStoreAndResumesExactly) {
  for (const std::string targets : {"hard", "cwcl"}) {
    const std::string run = ScratchDir() + "/cellclip-" + targets;
    testing::CommandResult r =
        RunCommand(testing::CellclipTrainCommand(run, 6, targets));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, AllOf(HasSubstr("training cellclip on embeddings"),
                                HasSubstr("cross-channel transformer")));
    MICON_ASSERT_OK_AND_ASSIGN(auto straight,
                               ReadMetrics(run + "/metrics.jsonl"));
    ASSERT_EQ(straight.size(), 6u);
    EXPECT_TRUE(straight[0].contains("cellclip"));
    const std::string last = run + "/checkpoints/step-00000006.ckpt";
    MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents whole, ReadCheckpoint(last));

    // Lose the last checkpoint: the run continues from step 3 and must
    // redo steps 4-6 exactly (sampling, field draws, optimiser state).
    std::filesystem::remove(last);
    r = RunCommand(testing::CellclipTrainCommand(run, 6, targets) +
                   " --resume latest");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("at step 3"));
    MICON_ASSERT_OK_AND_ASSIGN(auto resumed,
                               ReadMetrics(run + "/metrics.jsonl"));
    ASSERT_EQ(resumed.size(), 6u);
    for (size_t i = 3; i < 6; ++i) {
      EXPECT_EQ(resumed[i]["loss"].get<double>(),
                straight[i]["loss"].get<double>())
          << targets << " step " << i + 1;
    }
    MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents again, ReadCheckpoint(last));
    EXPECT_TRUE(again.model == whole.model) << targets;
  }
}

// micon embed gives a cellclip checkpoint's wells the model's own embedding
// of all their fields, and its shared space for micon evaluate --retrieval.
TEST(CellclipTrain, EmbedsWholeWellsAndRetrieves) {
  const std::string scratch = ScratchDir();
  const std::string run = scratch + "/run";
  testing::CommandResult r =
      RunCommand(testing::CellclipTrainCommand(run, 3, "cwcl"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string checkpoint = run + "/checkpoints/step-00000003.ckpt";
  const std::string out = scratch + "/emb";
  r = RunCommand(testing::MiconBinary() + " embed --checkpoint " + checkpoint +
                 " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("in the shared space"));

  // The first plate's first well, straight from the checkpoint and the
  // store's file with none of micon embed's code.
  MICON_ASSERT_OK_AND_ASSIGN(TrainedModel trained,
                             ReadTrainedModel(checkpoint));
  MICON_ASSERT_OK_AND_ASSIGN(Dataset store,
                             OpenDataset(testing::SmallEmbeddingStore()));
  const PlateMetadata& plate = store.plates().front();
  MiconModel model(ModelOptionsFor(
      trained.config.model.spec,
      {plate.header.num_channels(), trained.config.molecule.featurizer.bits,
       store.embedding_dim}));
  ASSERT_TRUE(LoadModuleState(trained.contents.model, *model).ok());
  model->eval();
  MICON_ASSERT_OK_AND_ASSIGN(ChannelEmbeddingPlate vectors,
                             ReadChannelEmbeddingPlate(plate.path));
  const std::string well = plate.images.front().well;
  std::vector<int64_t> fields;
  for (int64_t i = 0; i < plate.num_images(); ++i) {
    if (plate.images[i].well == well) fields.push_back(i);
  }
  const torch::Tensor all = torch::from_blob(
      vectors.embeddings.data(),
      {plate.num_images(), plate.header.num_channels(), store.embedding_dim});
  torch::NoGradGuard no_grad;
  const torch::Tensor h =
      model->Embed(all.index_select(0, torch::tensor(fields)).unsqueeze(0))[0];
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame profiles,
                             ReadProfileFrame(out + "/profiles.csv"));
  int64_t row = 0;
  while (profiles.metadata[2][row] != plate.header.plate ||
         profiles.metadata[3][row] != well) {
    ++row;
  }
  EXPECT_EQ(profiles.metadata[7][row], std::to_string(fields.size()));
  EXPECT_TRUE(torch::allclose(profiles.features[row], h.to(torch::kDouble),
                              1e-5, 1e-6));
  // Wells and molecules carry each compound's mechanism from the store's
  // compounds.csv (JUMP-MOA's moa, kept by micon synth).
  EXPECT_TRUE(profiles.HasColumn("Metadata_moa"));
  const std::vector<std::string>& annotations =
      store.compounds().annotation_names;
  const size_t moa_index =
      std::find(annotations.begin(), annotations.end(), "moa") -
      annotations.begin();
  ASSERT_LT(moa_index, annotations.size());
  MICON_ASSERT_OK_AND_ASSIGN(
      ProfileFrame molecules,
      ReadProfileFrame(out + "/molecule_projections.csv"));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* ids,
                             molecules.Column("Metadata_Compound"));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* moa,
                             molecules.Column("Metadata_moa"));
  ASSERT_GT(molecules.rows(), 0);
  for (int64_t m = 0; m < molecules.rows(); ++m) {
    const Compound* compound = store.compounds().Find((*ids)[m]);
    ASSERT_NE(compound, nullptr) << (*ids)[m];
    EXPECT_EQ((*moa)[m], compound->annotations[moa_index]) << (*ids)[m];
  }

  r = RunCommand(testing::MiconBinary() + " evaluate --retrieval cc=" + out +
                 " --retrieval-split " + testing::SmallEmbeddingStore() +
                 "/screen.json -o " + out + "/eval");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("seen      molecule_to_well"),
                              HasSubstr("held_out  well_to_molecule")));
  EXPECT_TRUE(std::filesystem::exists(out + "/eval/retrieval_queries_cc.csv"));
  // The same store with its stains named in reverse order is refused.
  const std::string reversed = scratch + "/reversed";
  std::filesystem::copy(testing::SmallEmbeddingStore(), reversed,
                        std::filesystem::copy_options::recursive);
  r = RunCommand(
      "/usr/bin/python3 -c \"import glob, h5py\n"
      "for p in glob.glob('" +
      reversed +
      "/plates/*.h5'):\n"
      "    with h5py.File(p, 'a') as f:\n"
      "        f.attrs['channels'] = [c.decode() if isinstance(c, bytes) else "
      "c "
      "for c in f.attrs['channels']][::-1]\n\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(testing::MiconBinary() + " embed --checkpoint " + checkpoint +
                 " --dataset " + reversed + " -o " + scratch + "/rev");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("trained on other stains"));

  r = RunCommand(testing::MiconBinary() + " embed --predict all --checkpoint " +
                 checkpoint + " -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("this one is cellclip"));
}

// deploy/benchmark/cwcl_weights.py (numpy; RESULTS.md section 4 quotes it)
// against micon's own CWCL targets on the same store: the mean weight of two
// different treated wells, from CwclTargets' row-normalised weights (each
// row divided by its diagonal, which is a well with itself: 1).
TEST(CellclipTrain, CwclWeightsScriptAgreesWithTheLoss) {
  const testing::CommandResult r =
      RunCommand(testing::DeployScript("benchmark/cwcl_weights.py") + " " +
                 testing::SmallEmbeddingStore() + " --batch 8");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json got =
      nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
  MICON_ASSERT_OK_AND_ASSIGN(Dataset store,
                             OpenDataset(testing::SmallEmbeddingStore()));
  std::vector<torch::Tensor> wells;
  int64_t plates = 0;
  for (const PlateMetadata& plate : store.plates()) {
    MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor vectors, ReadPlateVectors(plate));
    std::map<std::string, std::vector<int64_t>> fields;
    for (int64_t i = 0; i < plate.num_images(); ++i) {
      if (!plate.images[i].control) fields[plate.images[i].well].push_back(i);
    }
    plates += !fields.empty();
    for (const auto& [well, rows] : fields) {
      wells.push_back(vectors.index_select(0, torch::tensor(rows)).mean(0));
    }
  }
  const torch::Tensor x = torch::stack(wells).to(torch::kDouble);
  const torch::Tensor t = CwclTargets(x, x);
  const torch::Tensor w = t / t.diagonal().unsqueeze(1);
  const int64_t n = x.size(0);
  const torch::Tensor off = w.masked_select(
      ~torch::eye(n, torch::TensorOptions().dtype(torch::kBool)));
  EXPECT_EQ(got["wells"].get<int64_t>(), n);
  EXPECT_EQ(got["plates"].get<int64_t>(), plates);
  EXPECT_NEAR(got["mean"].get<double>(), off.mean().item<double>(), 1e-6);
  EXPECT_NEAR(got["min"].get<double>(), off.min().item<double>(), 1e-6);
  EXPECT_NEAR(got["max"].get<double>(), off.max().item<double>(), 1e-6);
  EXPECT_NEAR(got["own_share"].get<double>(),
              1 / (1 + 7 * off.mean().item<double>()), 1e-6);
}

// Real Cell Painting fields (CLOOME plate 24279, 5 stains, 696 x 520) through
// a per-channel trunk: a store that opens as a dataset, one finite vector per
// field and stain, different for different stains.
TEST(CellclipTrain, RealFieldsMakeAStore) {
  const std::string scratch = ScratchDir();
  const std::string images =
      testing::SharedData("images_cloome_cdrp_plate24279");
  std::ofstream load_data(scratch + "/load_data.csv");
  load_data << "Metadata_Plate,Metadata_Well,Metadata_Site";
  const std::vector<std::pair<std::string, std::string>> stains = {
      {"DNA", "Hoechst.tif"},
      {"ER", "ERSyto.tif"},
      {"RNA", "ERSytoBleed.tif"},
      {"AGP", "Ph_golgi.tif"},
      {"Mito", "Mito.tif"}};
  for (const auto& [stain, file] : stains) {
    load_data << ",FileName_Orig" << stain << ",PathName_Orig" << stain;
  }
  for (const std::string well : {"A01", "A02"}) {
    load_data << "\n24279," << well << ",1";
    for (const auto& [stain, file] : stains) {
      load_data << "," << file << "," << images;
    }
  }
  load_data.close();
  testing::CommandResult r = RunCommand(absl::StrCat(
      testing::MiconBinary(), " convert --load-data ", scratch,
      "/load_data.csv --platemap ",
      testing::SharedData("jump_target/JUMP-Target-1_compound_platemap.tsv"),
      " --compounds ",
      testing::SharedData("jump_target/JUMP-Target-1_compound_metadata.tsv"),
      " --source cdrp --batch CDRP_2017 -o ", scratch, "/cloome"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string trunk =
      std::filesystem::path(testing::SmallEmbeddingStore())
          .parent_path()
          .string() +
      "/run/checkpoints/step-00000001.ckpt";
  r = RunCommand(testing::MiconBinary() + " embed --per-channel --checkpoint " +
                 trunk + " --dataset " + scratch + "/cloome -o " + scratch +
                 "/store");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  MICON_ASSERT_OK_AND_ASSIGN(Dataset store, OpenDataset(scratch + "/store"));
  EXPECT_EQ(store.kind, DatasetKind::kEmbeddingStore);
  ASSERT_EQ(store.plates().size(), 1u);
  EXPECT_EQ(store.plates()[0].header.channels,
            (std::vector<std::string>{"DNA", "ER", "RNA", "AGP", "Mito"}));
  MICON_ASSERT_OK_AND_ASSIGN(ChannelEmbeddingPlate plate,
                             ReadChannelEmbeddingPlate(store.plates()[0].path));
  ASSERT_EQ(plate.images.size(), 2u);
  const torch::Tensor x =
      torch::tensor(plate.embeddings).view({2, 5, store.embedding_dim});
  EXPECT_TRUE(x.isfinite().all().item<bool>());
  EXPECT_GT((x.select(1, 0) - x.select(1, 4)).abs().max().item<float>(), 1e-3);
}

TEST(CellclipTrain, OnlyCellclipReadsEmbeddingsAndOnlyFromAStore) {
  const std::string run = ScratchDir() + "/refused";
  testing::CommandResult r =
      RunCommand(testing::TrainCommand(run, testing::SmallImageDataset(), 1) +
                 " --set loss.objective=cellclip");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr("loss.objective cellclip"),
                              HasSubstr("data.input images"),
                              HasSubstr("micon embed --per-channel")));
  r = RunCommand(testing::TrainCommand(run, testing::SmallImageDataset(), 1) +
                 " --set loss.objective=cellclip --set data.input=embeddings");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, AllOf(HasSubstr("is a plate store"),
                              HasSubstr("per-channel embedding store")));
  r = RunCommand(testing::TrainCommand(run, testing::SmallEmbeddingStore(), 1) +
                 " --set data.input=embeddings");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("loss.objective micon with data.input "
                                  "embeddings"));
  r = RunCommand(testing::CellclipTrainCommand(run, 1, "hard") +
                 " --set model.cross_channel_heads=3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("model.cross_channel_width 16 is not a "
                                  "multiple of model.cross_channel_heads 3"));
}

}  // namespace
}  // namespace micon
