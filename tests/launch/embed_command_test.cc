// micon embed: well profiles from checkpoints (image and profile models) equal
// to the model's own embedding, predicted profiles scored by micon evaluate,
// HDF5 output pandas reads, and bad requests named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/io/checkpoint_file.h"
#include "core/micon_model.h"
#include "core/model_spec.h"
#include "data/normalized_plate.h"
#include "data/profile_frame.h"
#include "data/profile_table.h"
#include "distributed/bootstrap.h"
#include "launch/profiles/model_profiler.h"
#include "launch/profiles/profile_table_embedding.h"
#include "launch/train/run_checkpoint.h"
#include "launch/train/run_log.h"
#include "launch/train/train_config.h"
#include "launch/train/trained_model.h"
#include "launch/train/training_state.h"
#include "tests/data/screen_fixture.h"
#include "tests/launch/train/train_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::MiconBinary;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::HasSubstr;

// One small MICON run shared by the checkpoint tests.
const std::string& MiconCheckpoint() {
  static const std::string* path = [] {
    const std::string run =
        absl::StrCat(testing::ScratchRoot(), "/embed-run-", ::getpid());
    std::filesystem::remove_all(run);
    const testing::CommandResult r =
        RunCommand(testing::TrainCommand(run, testing::SmallImageDataset(), 2));
    if (r.exit_code != 0) {
      ADD_FAILURE() << r.output;
      return new std::string();
    }
    return new std::string(run + "/checkpoints/step-00000002.ckpt");
  }();
  return *path;
}

// The checkpoint's model rebuilt here from its configuration, in eval mode,
// with none of micon embed's code.
MiconModel ModelOf(const TrainedModel& trained, int64_t sample_width) {
  MiconModel model(
      ModelOptionsFor(trained.config.model.spec,
                      {sample_width, trained.config.molecule.featurizer.bits}));
  const absl::Status loaded = LoadModuleState(trained.contents.model, *model);
  EXPECT_TRUE(loaded.ok()) << loaded;
  model->eval();
  return model;
}

TEST(EmbedCommand, CheckpointProfilesAreTheModelsMeanEmbeddingPerWell) {
  const std::string out = ScratchDir() + "/emb";
  const testing::CommandResult r =
      RunCommand(MiconBinary() + " embed --checkpoint " + MiconCheckpoint() +
                 " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame csv,
                             ReadProfileFrame(out + "/profiles.csv"));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame h5,
                             ReadProfileFrame(out + "/profiles.h5"));
  EXPECT_EQ(h5.metadata, csv.metadata);
  EXPECT_TRUE(torch::equal(h5.features, csv.features));

  // The same numbers straight from the checkpoint, with no micon embed code.
  MICON_ASSERT_OK_AND_ASSIGN(TrainedModel trained,
                             ReadTrainedModel(MiconCheckpoint()));
  const PlateStore& store = testing::SmallScreen();
  MiconModel model =
      ModelOf(trained, store.plates.front().header.num_channels());
  torch::NoGradGuard no_grad;
  const PlateMetadata& first = store.plates.front();
  MICON_ASSERT_OK_AND_ASSIGN(auto plate, NormalizedPlate::Open(first.path, 16));
  for (int64_t i = 0; i < first.num_images(); ++i) {
    MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor x, plate->Read(i));
    const torch::Tensor h =
        model->Embed(CentreSquare(x, first.header.height).unsqueeze(0))[0];
    int64_t row = 0;
    while (csv.metadata[2][row] != first.header.plate ||
           csv.metadata[3][row] != first.images[i].well) {
      ++row;
    }
    EXPECT_TRUE(
        torch::allclose(csv.features[row], h.to(torch::kFloat64), 1e-5, 1e-6))
        << "well " << first.images[i].well;
  }

  // The held-out compounds are predicted on the plates that hold them, and
  // micon evaluate scores them against the real wells.
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame predicted,
                             ReadProfileFrame(out + "/predicted.csv"));
  EXPECT_GT(predicted.rows(), 0);
  const testing::CommandResult e =
      RunCommand(MiconBinary() + " evaluate --profiles micon=" + out +
                 "/profiles.csv --predicted micon=" + out + "/predicted.csv");
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_THAT(e.output, HasSubstr("predicted_top1"));
  EXPECT_THAT(e.output, HasSubstr("predicted_chance_top1"));
  EXPECT_THAT(e.output,
              HasSubstr(absl::StrCat(predicted.rows(), " scored predictions")));
}

TEST(EmbedCommand, AProfileModelEmbedsEveryRowOfItsTable) {
  const std::string csv = testing::SmallProfileTable();
  const std::string run = ScratchDir() + "/run", out = ScratchDir() + "/emb";
  testing::CommandResult r =
      RunCommand(testing::TrainCommand(run, csv, 2) +
                 " --set data.input=profiles --set data.split=all");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string checkpoint = run + "/checkpoints/step-00000002.ckpt";
  r = RunCommand(MiconBinary() + " embed --checkpoint " + checkpoint +
                 " --predict all -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("well profiles of 16 features "
                                             "(one per table row)"));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame wells,
                             ReadProfileFrame(out + "/profiles.csv"));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileTable table, ReadProfileTable(csv));
  MICON_ASSERT_OK_AND_ASSIGN(TrainedModel trained,
                             ReadTrainedModel(checkpoint));
  MiconModel model =
      ModelOf(trained, static_cast<int64_t>(table.feature_names.size()));
  torch::NoGradGuard no_grad;
  int64_t row = 0;
  for (size_t p = 0; p < table.plates.size(); ++p) {
    const PlateMetadata& plate = table.plates[p];
    const torch::Tensor x = table.features[p];
    // Standardised on the plate's controls, as training fed the rows.
    std::vector<int64_t> controls;
    for (int64_t i = 0; i < plate.num_images(); ++i) {
      if (plate.images[i].control) controls.push_back(i);
    }
    const torch::Tensor c = x.index_select(0, torch::tensor(controls));
    const torch::Tensor h =
        model->Embed((x - c.mean(0, true)) / c.std(0, true, true));
    for (int64_t i = 0; i < plate.num_images(); ++i, ++row) {
      ASSERT_EQ(wells.metadata[2][row], plate.header.plate);
      ASSERT_EQ(wells.metadata[3][row], plate.images[i].well);
      EXPECT_TRUE(torch::allclose(wells.features[row], h[i].to(torch::kFloat64),
                                  1e-5, 1e-6));
    }
  }
  EXPECT_EQ(row, wells.rows());
  // One prediction per treated compound and plate (8 compounds, 6 plates).
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame predicted,
                             ReadProfileFrame(out + "/predicted.csv"));
  EXPECT_EQ(predicted.rows(), 48);
}

// What a sink receives: every block, as EmbedProfileTable appends it.
class RecordingSink final : public WellRowSink {
 public:
  absl::Status Start(const ProfileFrame& wells) override {
    started_rows = static_cast<int64_t>(wells.metadata.front().size());
    return absl::OkStatus();
  }
  absl::Status Append(const at::Tensor& rows) override {
    blocks.push_back(rows.clone());
    return absl::OkStatus();
  }
  int64_t started_rows = -1;
  std::vector<torch::Tensor> blocks;
};

// From an HDF5 table the features are read a group of plates at a time and
// released: one plate a group (a 1-byte budget) gives, block by block, exactly
// the rows and predictions of one read of the whole table, and leaves no
// plate's features held. The table's other metadata travels with its rows.
TEST(EmbedCommand, AProfileTableEmbedsInGroupsOfPlatesAsItDoesWhole) {
  const std::string csv = testing::SmallProfileTable();
  const std::string dir = ScratchDir(), run = dir + "/run";
  const testing::CommandResult r =
      RunCommand(testing::TrainCommand(run, csv, 2) +
                 " --set data.input=profiles --set data.split=all");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame frame, ReadProfileFrame(csv));
  // A mechanism per compound, a note per row, and a Metadata_Images that
  // micon embed writes itself (so it is not carried).
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* compound,
                             frame.Column("Metadata_Compound"));
  const std::vector<std::string> compounds = *compound;
  std::vector<std::string> moa, note, images;
  for (int64_t row = 0; row < frame.rows(); ++row) {
    moa.push_back(compounds[row].empty() ? "" : "moa of " + compounds[row]);
    note.push_back(absl::StrCat("row ", row));
    images.push_back("9");
  }
  frame.metadata_names.insert(
      frame.metadata_names.end(),
      {"Metadata_moa", "Metadata_note", "Metadata_Images"});
  frame.metadata.insert(frame.metadata.end(), {moa, note, images});
  const std::string h5 = dir + "/profiles.h5";
  MICON_ASSERT_OK(WriteProfileFrame(frame, h5));
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainedModel trained,
      ReadTrainedModel(run + "/checkpoints/step-00000002.ckpt"));
  BootstrapOptions threads;
  threads.backend = Backend::kThreads;
  MICON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<DistributedContext> dist,
                             Bootstrap(nullptr, nullptr, threads));
  const RunLog log(0, 1);
  MICON_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<LoadedModel> loaded,
      LoadTrainedModel(trained, h5, DeviceChoice::kCpu, *dist, log));
  ModelProfilerOptions profiler_options;
  profiler_options.can_predict = true;
  ModelProfiler profiler(loaded->model, loaded->features, profiler_options);
  ProfileTableEmbedOptions whole;
  whole.standardize = trained.config.data.profile_normalize;
  for (const Compound& c : loaded->dataset.table.compounds.compounds) {
    whole.predict.insert(c.id);  // every compound on every plate
  }
  int whole_lines = 0;
  whole.progress = [&](const std::string&) { ++whole_lines; };
  ProfileTable table = loaded->dataset.table;
  ASSERT_EQ(table.plates.size(), 6u);
  MICON_ASSERT_OK_AND_ASSIGN(const WellProfiles expected,
                             EmbedProfileTable(table, profiler, whole));
  EXPECT_EQ(whole_lines, 1);

  ProfileTableEmbedOptions grouped = whole;
  RecordingSink sink;
  grouped.sink = &sink;
  grouped.read_bytes = 1;
  std::vector<std::string> lines;
  grouped.progress = [&](const std::string& line) { lines.push_back(line); };
  MICON_ASSERT_OK_AND_ASSIGN(const WellProfiles streamed,
                             EmbedProfileTable(table, profiler, grouped));
  ASSERT_EQ(sink.blocks.size(), 6u);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_THAT(lines[5], ::testing::HasSubstr("(6/6, 20 rows,"));
  EXPECT_EQ(sink.started_rows, expected.wells.rows());
  EXPECT_FALSE(streamed.wells.features.defined());
  EXPECT_EQ(streamed.wells.metadata, expected.wells.metadata);
  EXPECT_TRUE(torch::equal(torch::cat(sink.blocks), expected.wells.features));
  ASSERT_GT(expected.predicted.rows(), 0);
  EXPECT_EQ(streamed.predicted.metadata, expected.predicted.metadata);
  EXPECT_TRUE(
      torch::equal(streamed.predicted.features, expected.predicted.features));
  for (const torch::Tensor& plate : table.features) {
    EXPECT_FALSE(plate.defined());
  }

  // Carried row by row (rows keep the table's plate order, not its file
  // order); a predicted row carries what its compound's rows agree on.
  const ProfileFrame& wells = expected.wells;
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* carried_moa,
                             wells.Column("Metadata_moa"));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* carried_note,
                             wells.Column("Metadata_note"));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* written_images,
                             wells.Column("Metadata_Images"));
  EXPECT_FALSE(wells.HasColumn("Metadata_compound_Images"));
  int64_t row = 0;
  for (size_t p = 0; p < table.plates.size(); ++p) {
    for (const int64_t file_row : table.file_rows[p]) {
      EXPECT_EQ((*carried_moa)[row], moa[file_row]);
      EXPECT_EQ((*carried_note)[row], note[file_row]);
      EXPECT_EQ((*written_images)[row], "1");
      ++row;
    }
  }
  EXPECT_EQ(row, wells.rows());
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* predicted_moa,
                             expected.predicted.Column("Metadata_moa"));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* predicted_note,
                             expected.predicted.Column("Metadata_note"));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* predicted_of,
                             expected.predicted.Column("Metadata_Compound"));
  for (int64_t p = 0; p < expected.predicted.rows(); ++p) {
    EXPECT_EQ((*predicted_moa)[p], "moa of " + (*predicted_of)[p]);
    EXPECT_EQ((*predicted_note)[p], "");
  }
}

// The per-channel store holds, per field and stain, the vectors whose
// normalised concatenation is the model's h: read with h5py and numpy alone,
// the fields' mean h per well is micon embed's profile of that well. Its rows
// and metadata are the plate store's.
TEST(EmbedCommand, PerChannelStoreRebuildsTheModelsProfiles) {
  const std::string out = ScratchDir();
  testing::CommandResult r =
      RunCommand(MiconBinary() + " embed --per-channel --checkpoint " +
                 MiconCheckpoint() + " -o " + out + "/store");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("per-channel embeddings of"));
  r = RunCommand(MiconBinary() + " embed --checkpoint " + MiconCheckpoint() +
                 " -o " + out + "/profiles");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const testing::CommandResult py = RunCommand(
      testing::TestPython() + " -c \"import glob, h5py, numpy as np\n" +
      "import pandas as pd\n" + "wells = pd.read_csv('" + out +
      "/profiles/profiles.csv')\n" +
      "features = [c for c in wells.columns if c.startswith('h_')]\n" +
      "files = sorted(glob.glob('" + out + "/store/plates/*.h5'))\n" +
      "assert len(files) == wells.Metadata_Plate.nunique(), files\n" +
      "worst = 0\n" + "for path in files:\n" + "  f = h5py.File(path, 'r')\n" +
      "  plate = f.attrs['plate']\n" + "  store = h5py.File('" +
      testing::SmallImageDataset() + "/plates/' + plate + '.h5', 'r')\n" +
      "  for key in ['well', 'compound']:\n" +
      "    assert (f[key].asstr()[:] == store[key].asstr()[:]).all(), key\n" +
      "  assert (f['site'][:] == store['site'][:]).all()\n" +
      "  assert (f['control'][:] == store['control'][:]).all()\n" +
      "  assert list(f.attrs['channels']) == list(store.attrs['channels'])\n" +
      "  e = f['embeddings'][:]\n" +
      "  assert e.dtype == np.float32 and e.shape[1] == "
      "len(f.attrs['channels'])\n" +
      "  h = e.reshape(len(e), -1).astype(np.float64)\n" +
      "  h /= np.linalg.norm(h, axis=1, keepdims=True)\n" +
      "  mean = pd.DataFrame(h).groupby(f['well'].asstr()[:]).mean()\n" +
      "  rows = wells[wells.Metadata_Plate == "
      "plate].set_index('Metadata_Well')\n" +
      "  worst = max(worst, np.abs(mean.loc[rows.index].to_numpy() - "
      "rows[features].to_numpy()).max())\n" +
      "assert worst < 1e-5, worst\n" +
      "print('plates', len(files), 'worst', worst)\"");
  ASSERT_EQ(py.exit_code, 0) << py.output;
  EXPECT_THAT(py.output, HasSubstr("plates "));
  // The store names its encoder by path and by the checkpoint's model
  // checksum (DESIGN.md §8).
  MICON_ASSERT_OK_AND_ASSIGN(const TrainedModel trained,
                             ReadTrainedModel(MiconCheckpoint()));
  MICON_ASSERT_OK_AND_ASSIGN(const Dataset store, OpenDataset(out + "/store"));
  EXPECT_EQ(store.embedding_encoder, MiconCheckpoint());
  EXPECT_EQ(store.embedding_encoder_checksum,
            ModelChecksumText(trained.model_checksum));
  EXPECT_EQ(store.embedding_encoder_checksum.size(), 16u);
  EXPECT_NE(trained.model_checksum, 0u);

  // A multi-channel run (the 2-step fixture run with one setting changed).
  const std::string multi = out + "/multi";
  r = RunCommand(testing::TrainCommand(multi, testing::SmallImageDataset(), 1) +
                 " --set model.channel_mode=multi_channel");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(MiconBinary() + " embed --per-channel --checkpoint " + multi +
                 "/checkpoints/step-00000001.ckpt -o " + out + "/x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("model.channel_mode per_channel"));
  r = RunCommand(MiconBinary() +
                 " embed --per-channel --handcrafted --dataset " +
                 testing::SmallImageDataset() + " -o " + out + "/x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--per-channel encodes stains"));
}

TEST(EmbedCommand, Hdf5OpensInPandasWithNoMiconCode) {
  const std::string out = ScratchDir() + "/hc";
  ASSERT_EQ(RunCommand(MiconBinary() +
                       " embed --handcrafted --aggregate "
                       "median --dataset " +
                       testing::SmallImageDataset() + " -o " + out)
                .exit_code,
            0);
  const testing::CommandResult py = RunCommand(
      testing::TestPython() + " -c \"import h5py, pandas as pd\n" +
      "f = h5py.File('" + out + "/profiles.h5', 'r')\n" +
      "x = pd.DataFrame(f['features'][:], "
      "columns=f['feature_names'].asstr()[:])\n" +
      "for c in f['metadata'].attrs['columns']: x[c] = "
      "f['metadata'][c].asstr()[:]\n" +
      "y = pd.read_csv('" + out +
      "/profiles.csv', float_precision='round_trip')\n" +
      "m = list(f['metadata'].attrs['columns'])\n" +
      "assert list(y.columns[:len(m)]) == m\n" +
      "pd.testing.assert_frame_equal(x[y.columns[len(m):]], "
      "y[y.columns[len(m):]], check_exact=True, check_dtype=False)\n" +
      "assert (x['Metadata_Well'] == y['Metadata_Well']).all()\n" +
      "t = pd.read_csv('" + out +
      "/profiles.csv', dtype=str, keep_default_na=False, usecols=m)\n" +
      "for c in m: assert (x[c] == t[c]).all(), c\n" +
      "assert x['Metadata_InChI'].str.contains(',').any()\n" +
      "print('rows', len(x), 'with a mechanism', "
      "(x['Metadata_moa'] != '').sum())\"");
  ASSERT_EQ(py.exit_code, 0) << py.output;
  EXPECT_THAT(py.output, HasSubstr("rows "));
}

// A store's compound annotations (JUMP-MOA's moa, kept in compounds.csv by
// micon synth) reach the profiles, so micon evaluate scores phenotypic
// consistency from them with no annotation table: the screen's 16 compounds
// include two pairs that share a mechanism.
TEST(EmbedCommand, CompoundAnnotationsReachTheEvaluation) {
  const std::string out = ScratchDir();
  testing::CommandResult r =
      RunCommand(MiconBinary() + " embed --handcrafted --dataset " +
                 testing::SmallImageDataset() + " -o " + out + "/hc");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(MiconBinary() + " evaluate --profiles hc=" + out +
                 "/hc/profiles.h5 --consistency Metadata_moa -o " + out +
                 "/eval");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("consistency over Metadata_moa: 16 annotated "
                        "compound(s), 4 sharing a label with another, 2 "
                        "label(s) shared by 2 or more"));
  const std::string labels =
      testing::FileBytes(out + "/eval/consistency_hc.csv");
  EXPECT_THAT(labels, HasSubstr("MEK inhibitor"));
  EXPECT_THAT(labels, HasSubstr("antihistamine"));
}

TEST(EmbedCommand, BadRequestsAreNamed) {
  const std::string out = ScratchDir() + "/x";
  testing::CommandResult r = RunCommand(MiconBinary() + " embed -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("exactly one of --checkpoint"));
  r = RunCommand(MiconBinary() +
                 " embed --handcrafted --aggregate max "
                 "--dataset " +
                 testing::SmallImageDataset() + " -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--aggregate must be one of mean, median"));
  r = RunCommand(MiconBinary() + " embed --checkpoint " + MiconCheckpoint() +
                 " --dataset /nonexistent/store -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/store"));
  r = RunCommand(MiconBinary() + " embed --checkpoint " + MiconCheckpoint() +
                 " --device gpu -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--device must be one of auto, cpu, cuda"));
}

// A checkpoint whose run trained on GPUs over NCCL embeds on a CPU-only
// machine: the device and the communicator are micon embed's choice (--device,
// --backend), not the run's train.device and distributed.backend.
TEST(EmbedCommand, AGpuRunsCheckpointEmbedsOnCpu) {
  const std::string scratch = ScratchDir();  // emptied on every call
  MICON_ASSERT_OK_AND_ASSIGN(CheckpointContents contents,
                             ReadCheckpoint(MiconCheckpoint()));
  MICON_ASSERT_OK_AND_ASSIGN(ResumePoint point,
                             DecodeResumePoint(std::move(contents)));
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig config,
      ParseTrainConfig(point.state.config_yaml, "ckpt",
                       {"train.device=cuda", "distributed.backend=nccl"}));
  point.state.config_yaml = ResolvedConfigYaml(config);
  point.contents.metadata = EncodeTrainingState(point.state);
  const std::string dir = scratch + "/gpu-run";
  MICON_ASSERT_OK(WriteCheckpoint(dir, point.contents, 1));
  const std::string gpu_checkpoint = ListCheckpoints(dir).back();

  const std::string cpu_out = scratch + "/cpu", gpu_out = scratch + "/g";
  testing::CommandResult r = RunCommand(MiconBinary() + " embed --checkpoint " +
                                        MiconCheckpoint() + " -o " + cpu_out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(MiconBinary() + " embed --checkpoint " + gpu_checkpoint +
                 " -o " + gpu_out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame a,
                             ReadProfileFrame(cpu_out + "/profiles.csv"));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame b,
                             ReadProfileFrame(gpu_out + "/profiles.csv"));
  EXPECT_TRUE(torch::equal(a.features, b.features));
  // Asking for a GPU where there is none is refused, naming why.
  r = RunCommand(MiconBinary() + " embed --device cuda --checkpoint " +
                 gpu_checkpoint + " -o " + gpu_out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output,
              HasSubstr("cuda was asked for but this rank has no GPU"));
}

}  // namespace
}  // namespace micon
