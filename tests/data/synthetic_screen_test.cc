// micon synth: deterministic, the layout the sampler and the evaluation need,
// phenotypes that follow structure, and technical effects that dominate raw
// intensities.
#include "data/synthetic_screen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "data/dataset.h"
#include "data/molecule_featurizer.h"
#include "data/plate_reader.h"
#include "data/plate_store.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;
using ::testing::HasSubstr;

SyntheticScreenOptions SmallScreen(const std::string& out) {
  SyntheticScreenOptions o;
  o.compound_table = SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv");
  o.output = out;
  o.image_size = 32;
  o.sites_per_well = 1;
  return o;
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(SyntheticScreen, IsDeterministicWhateverTheThreadCount) {
  const std::string dir = ScratchDir();
  SyntheticScreenOptions a = SmallScreen(dir + "/a"),
                         b = SmallScreen(dir + "/b"),
                         c = SmallScreen(dir + "/c");
  a.threads = 1;
  b.threads = 2;
  c.seed = 2;
  MICON_ASSERT_OK(GenerateSyntheticScreen(a).status());
  MICON_ASSERT_OK(GenerateSyntheticScreen(b).status());
  MICON_ASSERT_OK(GenerateSyntheticScreen(c).status());
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore sa, OpenPlateStore(dir + "/a"));
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore sb, OpenPlateStore(dir + "/b"));
  ASSERT_EQ(sa.plates.size(), sb.plates.size());
  bool differs_with_seed = false;
  for (size_t p = 0; p < sa.plates.size(); ++p) {
    MICON_ASSERT_OK_AND_ASSIGN(PlateReader ra,
                               PlateReader::Open(sa.plates[p].path));
    MICON_ASSERT_OK_AND_ASSIGN(PlateReader rb,
                               PlateReader::Open(sb.plates[p].path));
    MICON_ASSERT_OK_AND_ASSIGN(
        PlateReader rc, PlateReader::Open(dir + "/c/plates/" +
                                          sa.plates[p].header.plate + ".h5"));
    const int64_t n = sa.plates[p].header.pixels_per_image();
    std::vector<uint16_t> x(n), y(n), z(n);
    for (int64_t i = 0; i < sa.plates[p].num_images(); ++i) {
      EXPECT_EQ(sa.plates[p].images[i].compound,
                sb.plates[p].images[i].compound);
      MICON_ASSERT_OK(ra.ReadImage(i, x.data()));
      MICON_ASSERT_OK(rb.ReadImage(i, y.data()));
      MICON_ASSERT_OK(rc.ReadImage(i, z.data()));
      EXPECT_EQ(x, y) << sa.plates[p].path << " image " << i;
      differs_with_seed |= x != z;
    }
  }
  EXPECT_TRUE(differs_with_seed);
}

TEST(SyntheticScreen, LayoutSupportsPairsAcrossBatchesAndHeldOutCompounds) {
  const std::string dir = ScratchDir();
  MICON_ASSERT_OK_AND_ASSIGN(SyntheticScreenReport report,
                             GenerateSyntheticScreen(SmallScreen(dir)));
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store,
                             OpenPlateStore(dir));  // a valid store
  const nlohmann::json screen = ReadJson(dir + "/screen.json");
  const std::set<std::string> held_out(report.held_out_compounds.begin(),
                                       report.held_out_compounds.end());
  const std::set<std::string> held_out_plates(report.held_out_plates.begin(),
                                              report.held_out_plates.end());
  EXPECT_EQ(held_out.size(), 2u);
  EXPECT_EQ(held_out_plates.size(), 2u);
  EXPECT_EQ(screen["train_plates"].size(), 6u);
  // compound -> the batches and sources of the training plates it is on
  std::map<std::string, std::set<std::string>> batches, sources, plates;
  for (const PlateMetadata& p : store.plates) {
    EXPECT_GT(p.num_controls(), 0) << p.path;
    const bool training_plate = !held_out_plates.count(p.header.plate);
    for (const ImageRecord& r : p.images) {
      if (r.control) continue;
      if (training_plate) {
        EXPECT_FALSE(held_out.count(r.compound))
            << r.compound << " on training plate " << p.path;
        batches[r.compound].insert(p.header.batch);
        sources[r.compound].insert(p.header.source);
        plates[r.compound].insert(p.header.plate);
      } else {
        plates[r.compound].insert(p.header.plate);
      }
    }
  }
  for (const std::string& id : report.compounds) {
    if (held_out.count(id)) {
      EXPECT_EQ(plates[id], held_out_plates) << id;
      continue;
    }
    EXPECT_GE(plates[id].size(), 6u) << id;
    EXPECT_GE(batches[id].size(), 3u) << id;
    EXPECT_EQ(sources[id].size(), 2u) << id;
  }
}

// The hard preset: held-out plates are the last batch of every source and the
// whole last source, so replicates can be matched across unseen batches and
// an unseen source; training plates span 3 sources.
TEST(SyntheticScreen, HardPresetHoldsOutABatchPerSourceAndASource) {
  SyntheticScreenOptions o = SmallScreen(ScratchDir());
  MICON_ASSERT_OK(ApplySyntheticPreset("hard", &o));
  EXPECT_EQ(o.image_size, 64);
  EXPECT_EQ(o.technique.debris, 1.0);
  o.image_size = 32;  // layout only: smaller images, same plan
  o.sites_per_well = 1;
  MICON_ASSERT_OK_AND_ASSIGN(SyntheticScreenReport report,
                             GenerateSyntheticScreen(o));
  EXPECT_EQ(report.plate_files.size(), 24u);
  EXPECT_EQ(report.held_out_compounds.size(), 6u);
  EXPECT_LE(report.inactive, 4);
  const std::set<std::string> held_out_plates(report.held_out_plates.begin(),
                                              report.held_out_plates.end());
  EXPECT_EQ(held_out_plates,
            (std::set<std::string>{"S1B3P1", "S1B3P2", "S2B3P1", "S2B3P2",
                                   "S3B3P1", "S3B3P2", "S4B1P1", "S4B1P2",
                                   "S4B2P1", "S4B2P2", "S4B3P1", "S4B3P2"}));
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(o.output));
  const std::set<std::string> held_out(report.held_out_compounds.begin(),
                                       report.held_out_compounds.end());
  std::set<std::string> training_sources;
  for (const PlateMetadata& p : store.plates) {
    if (held_out_plates.count(p.header.plate)) continue;
    training_sources.insert(p.header.source);
    for (const ImageRecord& r : p.images) {
      EXPECT_FALSE(held_out.count(r.compound)) << r.compound << " " << p.path;
    }
  }
  EXPECT_EQ(training_sources.size(), 3u);
  EXPECT_FALSE(ApplySyntheticPreset("harder", &o).ok());
}

// The target2 preset: every plate is the real JUMP-Target-2 map; a fifth of
// the treatments, whole structure clusters at a time, are held out but stay
// on every plate; positive controls always train; training never selects a
// held-out compound.
TEST(SyntheticScreen, Target2PresetFollowsTheMapAndHoldsOutClusters) {
  SyntheticScreenOptions o = SmallScreen(ScratchDir());
  o.compound_table =
      SharedData("jump_target/JUMP-Target-2_compound_metadata.tsv");
  EXPECT_THAT(ApplySyntheticPreset("target2", &o).message(),
              HasSubstr("--plate-map"));
  o.plate_map = SharedData("jump_target/JUMP-Target-2_compound_platemap.tsv");
  MICON_ASSERT_OK(ApplySyntheticPreset("target2", &o));
  EXPECT_EQ(o.sources * o.batches_per_source * o.plates_per_batch, 24);
  o.sources = 2;  // layout only: fewer, smaller plates, same map and split
  o.batches_per_source = 2;
  o.plates_per_batch = 1;
  o.held_out_sources = 0;
  o.image_size = 16;
  o.sites_per_well = 1;
  MICON_ASSERT_OK_AND_ASSIGN(SyntheticScreenReport report,
                             GenerateSyntheticScreen(o));
  EXPECT_EQ(report.compounds.size(), 306u);
  EXPECT_EQ(report.held_out_compounds.size(), 52u);  // 20% of 260 treatments
  const nlohmann::json screen = ReadJson(o.output + "/screen.json");
  std::map<std::string, nlohmann::json> truth;
  for (const nlohmann::json& c : screen["compounds"]) {
    truth[c["compound_id"].get<std::string>()] = c;
  }
  // pert_type of every compound, from the metadata itself.
  std::map<std::string, std::string> pert_type;
  {
    std::ifstream in(o.compound_table);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream fields(line);
      for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
      pert_type.emplace(f[0], f[5]);
    }
  }
  std::map<int, std::set<bool>> split_of_cluster;  // over treatments
  for (const auto& [id, c] : truth) {
    if (c["held_out"].get<bool>()) {
      EXPECT_EQ(pert_type.at(id), "trt") << id;
    }
    if (pert_type.at(id) == "trt") {
      split_of_cluster[c["structure_cluster"].get<int>()].insert(
          c["held_out"].get<bool>());
    }
  }
  for (const auto& [cluster, splits] : split_of_cluster) {
    EXPECT_EQ(splits.size(), 1u) << "cluster " << cluster << " is split";
  }
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(o.output));
  ASSERT_EQ(store.plates.size(), 4u);
  for (const PlateMetadata& p : store.plates) {
    ASSERT_EQ(p.num_images(), 384) << p.path;
    EXPECT_EQ(p.num_controls(), 64) << p.path;
    EXPECT_EQ(p.images[0].well, "A01");
    EXPECT_EQ(p.images[0].compound, "BRD-K09338665-001-07-1");  // the map's
    std::set<std::string> on_plate;
    for (const ImageRecord& r : p.images) {
      if (!r.control) on_plate.insert(r.compound);
    }
    EXPECT_EQ(on_plate.size(), 306u) << p.path << " holds the whole map";
  }
  MICON_ASSERT_OK_AND_ASSIGN(const Dataset dataset, OpenDataset(o.output));
  MICON_ASSERT_OK_AND_ASSIGN(const DatasetSelection train,
                             SelectSplit(dataset, DatasetSplit::kTrain));
  EXPECT_EQ(train.plates.size(), 2u);  // the last batch of each source is out
  EXPECT_EQ(train.held_out_compounds.size(), 52u);
}

TEST(SyntheticScreen, PhenotypesFollowStructureNotTheScreen) {
  // The same structure gives the same phenotype in any screen.
  MICON_ASSERT_OK_AND_ASSIGN(std::vector<double> a,
                             StructurePhenotype("CC(=O)Oc1ccccc1C(=O)O", 0));
  MICON_ASSERT_OK_AND_ASSIGN(std::vector<double> b,
                             StructurePhenotype("CC(=O)Oc1ccccc1C(=O)O", 0));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(StructurePhenotype("not a molecule", 0).ok());
  MICON_ASSERT_OK_AND_ASSIGN(std::vector<double> none,
                             StructurePhenotype("CCO", 1.0));
  EXPECT_EQ(none,
            std::vector<double>(kPhenotypeDim, 0.0));  // everything inactive

  // Similar structures, similar phenotypes: over pairs of real JUMP-MOA
  // compounds, fingerprint Tanimoto similarity and phenotype cosine similarity
  // correlate.
  std::ifstream in(SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv"));
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<float>> fps;
  std::vector<std::vector<double>> phenos;
  const MoleculeFeaturizer featurizer({2, 1024, false, false});
  while (std::getline(in, line) && fps.size() < 60) {
    const std::string smiles = line.substr(0, line.rfind('\t'));
    const std::string s = smiles.substr(smiles.rfind('\t') + 1);
    absl::StatusOr<MoleculeFeatures> f = featurizer.Featurize(s);
    if (!f.ok()) continue;
    MICON_ASSERT_OK_AND_ASSIGN(std::vector<double> p, StructurePhenotype(s, 0));
    fps.push_back(f->values);
    phenos.push_back(p);
  }
  ASSERT_GE(fps.size(), 50u);
  std::vector<double> tanimoto, cosine;
  for (size_t i = 0; i < fps.size(); ++i) {
    for (size_t j = i + 1; j < fps.size(); ++j) {
      double both = 0, either = 0, dot = 0, ni = 0, nj = 0;
      for (size_t k = 0; k < fps[i].size(); ++k) {
        both += fps[i][k] * fps[j][k];
        either += std::max(fps[i][k], fps[j][k]);
      }
      for (int k = 0; k < kPhenotypeDim; ++k) {
        dot += phenos[i][k] * phenos[j][k];
        ni += phenos[i][k] * phenos[i][k];
        nj += phenos[j][k] * phenos[j][k];
      }
      tanimoto.push_back(both / either);
      cosine.push_back(dot / std::sqrt(ni * nj));
    }
  }
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.size();
  };
  const double mt = mean(tanimoto), mc = mean(cosine);
  double cov = 0, vt = 0, vc = 0;
  for (size_t k = 0; k < tanimoto.size(); ++k) {
    cov += (tanimoto[k] - mt) * (cosine[k] - mc);
    vt += (tanimoto[k] - mt) * (tanimoto[k] - mt);
    vc += (cosine[k] - mc) * (cosine[k] - mc);
  }
  const double r = cov / std::sqrt(vt * vc);
  std::printf("Pearson(Tanimoto, phenotype cosine) over %zu pairs: %.3f\n",
              tanimoto.size(), r);
  EXPECT_GT(r, 0.3);
}

// Raw per-well mean intensities: a well's nearest other well shares its batch
// far more often than its compound, as in real screens.
TEST(SyntheticScreen, RawIntensitiesGroupByBatchRatherThanCompound) {
  const std::string dir = ScratchDir();
  MICON_ASSERT_OK(GenerateSyntheticScreen(SmallScreen(dir)).status());
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(dir));
  struct Well {
    std::vector<double> features;
    std::string batch, compound;
  };
  std::vector<Well> wells;
  for (const PlateMetadata& p : store.plates) {
    MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader, PlateReader::Open(p.path));
    const int64_t hw = p.header.height * p.header.width;
    std::vector<uint16_t> pixels(p.header.pixels_per_image());
    for (int64_t i = 0; i < p.num_images(); ++i) {
      if (p.images[i].control) continue;
      MICON_ASSERT_OK(reader.ReadImage(i, pixels.data()));
      Well w{{}, p.header.batch, p.images[i].compound};
      for (int64_t c = 0; c < p.header.num_channels(); ++c) {
        double s = 0;
        for (int64_t k = 0; k < hw; ++k) s += pixels[c * hw + k];
        w.features.push_back(std::log(s / hw));
      }
      wells.push_back(std::move(w));
    }
  }
  int same_batch = 0, same_compound = 0;
  for (size_t i = 0; i < wells.size(); ++i) {
    double best = 1e300;
    size_t nearest = 0;
    for (size_t j = 0; j < wells.size(); ++j) {
      if (i == j) continue;
      double d = 0;
      for (size_t k = 0; k < wells[i].features.size(); ++k) {
        d += std::pow(wells[i].features[k] - wells[j].features[k], 2);
      }
      if (d < best) best = d, nearest = j;
    }
    same_batch += wells[nearest].batch == wells[i].batch;
    same_compound += wells[nearest].compound == wells[i].compound;
  }
  std::printf("nearest well: same batch %d, same compound %d of %zu\n",
              same_batch, same_compound, wells.size());
  EXPECT_GT(same_batch, 0.8 * wells.size());
  EXPECT_LT(same_compound, 0.3 * wells.size());
}

TEST(SyntheticScreen, RejectsImpossibleLayouts) {
  SyntheticScreenOptions o = SmallScreen(ScratchDir());
  o.wells_per_plate = 10;  // 6 treated wells cannot hold 16 compounds
  EXPECT_THAT(GenerateSyntheticScreen(o).status().message(),
              HasSubstr("cannot hold 16"));
  o = SmallScreen(ScratchDir());
  o.control_wells_per_plate = 0;
  EXPECT_THAT(GenerateSyntheticScreen(o).status().message(),
              HasSubstr("control"));
  o = SmallScreen(ScratchDir());
  o.technique.debris = -1;
  EXPECT_THAT(GenerateSyntheticScreen(o).status().message(),
              HasSubstr("debris must be >= 0"));
  o = SmallScreen(ScratchDir());
  o.wells_per_plate = 384;
  o.compounds = 200;  // JUMP-MOA has 82 valid structures
  EXPECT_THAT(GenerateSyntheticScreen(o).status().message(),
              HasSubstr("valid SMILES"));
}

}  // namespace
}  // namespace micon
