// EvaluateProfiles' handling of predicted profiles and compound subsets, on
// small frames whose answers are known.
#include "launch/profiles/profile_evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "core/metrics/replicate_matching.h"
#include "distributed/communicator_shard_reducer.h"
#include "tests/distributed/thread_ranks.h"
#include "tests/test_support.h"

namespace micon {
namespace {

// Two plates (one batch each); compounds A, B, C in one well per plate, with
// a signal along their own axis; two DMSO wells per plate near the origin.
ProfileFrame Wells() {
  ProfileFrame f;
  f.path = "wells";
  f.metadata_names = {"Metadata_Plate", "Metadata_Batch", "Metadata_Compound",
                      "Metadata_Control"};
  f.metadata.resize(4);
  f.feature_names = {"x", "y", "z", "w"};
  std::vector<torch::Tensor> rows;
  const std::map<std::string, int64_t> axis = {{"A", 0}, {"B", 1}, {"C", 2}};
  for (int plate = 0; plate < 2; ++plate) {
    auto add = [&](const std::string& compound, torch::Tensor x) {
      f.metadata[0].push_back(plate == 0 ? "P1" : "P2");
      f.metadata[1].push_back(plate == 0 ? "b1" : "b2");
      f.metadata[2].push_back(compound);
      f.metadata[3].push_back(compound == "DMSO" ? "1" : "0");
      rows.push_back(x);
    };
    for (const auto& [compound, k] : axis) {
      torch::Tensor x = torch::full({4}, 0.1 * (plate + 1), torch::kFloat64);
      x[k] = 1.0;
      add(compound, x);
    }
    add("DMSO", torch::tensor({0.0, 0.0, 0.0, 1.0 + plate}, torch::kFloat64));
    add("DMSO", torch::tensor({0.01, 0.0, 0.0, 1.0}, torch::kFloat64));
  }
  f.features = torch::stack(rows);
  return f;
}

double Value(const Evaluation& e, const std::string& name) {
  for (const Metric& m : e.metrics) {
    if (m.name == name) return m.value;
  }
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

TEST(EvaluateProfiles, PredictionsRankAgainstRealWellsAndStayOutOfTheRest) {
  const ProfileFrame wells = Wells();
  // Two predictions on P1: A predicted right on A's axis, B predicted nearer
  // C's axis than B's, but nearer B's than A's.
  ProfileFrame with = wells;
  with.metadata_names.push_back("Metadata_Predicted");
  with.metadata.push_back(std::vector<std::string>(wells.rows(), "0"));
  std::vector<std::string> values[5] = {{"P1", "b1", "A", "0", "1"},
                                        {"P1", "b1", "B", "0", "1"}};
  for (const auto& v : {values[0], values[1]}) {
    for (size_t c = 0; c < v.size(); ++c) with.metadata[c].push_back(v[c]);
  }
  with.features =
      torch::cat({wells.features,
                  torch::tensor({{1.0, 0.1, 0.1, 0.1}, {0.1, 0.5, 1.0, 0.1}},
                                torch::kFloat64)});
  EvaluationOptions o;
  o.null_size = 100;
  MICON_ASSERT_OK_AND_ASSIGN(Evaluation plain, EvaluateProfiles(wells, o));
  MICON_ASSERT_OK_AND_ASSIGN(Evaluation e, EvaluateProfiles(with, o));
  EXPECT_EQ(e.predicted_queries, 2);
  EXPECT_EQ(e.treated_wells, plain.treated_wells);
  for (const Metric& m : plain.metrics) {
    EXPECT_EQ(Value(e, m.name), m.value) << m.name;
  }
  EXPECT_EQ(Value(e, "predicted_top1"), 0.5);
  // 6 real treated candidates, 2 of the predicted compound each.
  EXPECT_DOUBLE_EQ(Value(e, "predicted_chance_top1"), ChanceTopK(6, 2, 1));
  EXPECT_DOUBLE_EQ(Value(e, "predicted_chance_top5"), 1.0);
  EXPECT_EQ(Value(e, "predicted_top5"), 1.0);
  // Among the predicted compounds' wells only (A's and B's), C's wells no
  // longer crowd B's out: both find their compound first.
  EXPECT_EQ(Value(e, "predicted_among_predicted_top1"), 1.0);
  EXPECT_DOUBLE_EQ(Value(e, "predicted_among_predicted_chance_top1"),
                   ChanceTopK(4, 2, 1));
}

TEST(EvaluateProfiles, OnlyCompoundsScoresTheirWellsAgainstControls) {
  EvaluationOptions o;
  o.null_size = 100;
  o.only_compounds = {"A", "B"};
  MICON_ASSERT_OK_AND_ASSIGN(Evaluation e, EvaluateProfiles(Wells(), o));
  EXPECT_EQ(e.treated_wells, 4);
  EXPECT_EQ(e.compounds, 2);
  EXPECT_EQ(e.control_wells, 4);
  EXPECT_EQ(Value(e, "top1_all"), 1.0);
  EXPECT_EQ(Value(e, "top1_nsb"), 1.0);
}

// The paper's protocol: only wells of some plates query; every well stays a
// candidate. Plate P2's C well is made a copy of its B well, so P2's B and C
// queries find each other first (misses), and P1's C query loses its only
// replicate to a tie (ties keep candidate order): top-1 is 2/3 from P1, 1/3
// from P2 and 3/6 from both.
TEST(EvaluateProfiles, QueryPlatesRestrictTheQueriesNotTheCandidates) {
  ProfileFrame f = Wells();
  f.features[7] = f.features[6].clone();  // P2: rows A, B, C, DMSO, DMSO
  EvaluationOptions o;
  o.null_size = 100;
  MICON_ASSERT_OK_AND_ASSIGN(Evaluation all, EvaluateProfiles(f, o));
  EXPECT_EQ(all.query_wells, 6);
  EXPECT_DOUBLE_EQ(Value(all, "top1_all"), 0.5);
  o.query_plates = {"P1"};
  MICON_ASSERT_OK_AND_ASSIGN(Evaluation p1, EvaluateProfiles(f, o));
  EXPECT_EQ(p1.query_wells, 3);
  EXPECT_EQ(p1.treated_wells, 6);
  EXPECT_DOUBLE_EQ(Value(p1, "top1_all"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(Value(p1, "top1_nsb"), 2.0 / 3);
  // Per compound (one query well each from P1): A and B hit, C misses.
  EXPECT_EQ(p1.top_k_per_compound.at("A").at("top1_all"), 1.0);
  EXPECT_EQ(p1.top_k_per_compound.at("B").at("top1_all"), 1.0);
  EXPECT_EQ(p1.top_k_per_compound.at("C").at("top1_all"), 0.0);
  EXPECT_EQ(p1.top_k_per_compound.at("C").at("top5_nsb"), 1.0);
  o.query_plates = {"P2"};
  MICON_ASSERT_OK_AND_ASSIGN(Evaluation p2, EvaluateProfiles(f, o));
  EXPECT_DOUBLE_EQ(Value(p2, "top1_all"), 1.0 / 3);
  o.query_plates = {"P9"};
  EXPECT_FALSE(EvaluateProfiles(f, o).ok());
}

// Sphering per plate centres each plate on its own controls (and whitens
// them); one transform for all centres on the mean of every control, which
// leaves a plate offset in place. A plate with one control cannot be sphered.
TEST(NormalizedFeatures, SphereByPlateCentresEachPlateOnItsControls) {
  const ProfileFrame f = Wells();  // rows 0-4 plate P1, 5-9 P2; 3, 4, 8, 9 DMSO
  std::vector<bool> control(10, false);
  for (int r : {3, 4, 8, 9}) control[r] = true;
  const std::vector<bool> real(10, true);
  EvaluationOptions o;
  o.sphere = true;
  MICON_ASSERT_OK_AND_ASSIGN(const at::Tensor all,
                             NormalizedFeatures(f, control, real, o));
  EXPECT_GT((all[3] + all[4]).abs().max().item<double>(), 0.1);
  o.sphere_by = "Metadata_Plate";
  MICON_ASSERT_OK_AND_ASSIGN(const at::Tensor by_plate,
                             NormalizedFeatures(f, control, real, o));
  for (int r : {3, 8}) {
    EXPECT_LT((by_plate[r] + by_plate[r + 1]).abs().max().item<double>(), 1e-6)
        << "plate of row " << r;
  }
  // The treated rows of a plate are transformed with that plate's controls
  // alone: sphering P1 by itself gives the same rows.
  const std::vector<bool> p1(control.begin(), control.begin() + 5);
  const at::Tensor alone = ZcaSphere(f.features.slice(0, 0, 5), p1);
  EXPECT_TRUE(torch::allclose(by_plate.slice(0, 0, 5), alone));
  control[9] = false;
  const auto one = NormalizedFeatures(f, control, real, o);
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.status().message().find("Metadata_Plate P2 has 1 control"),
            std::string::npos)
      << one.status();
}

// n controls span at most n - 1 directions: with no more controls than
// features, the sphering of their group is singular and is reported.
TEST(NormalizedFeatures, ReportsSphereGroupsWithNoMoreControlsThanFeatures) {
  ProfileFrame f = Wells();  // 4 features; 2 DMSO wells on each plate
  std::vector<bool> control(10, false);
  for (int r : {3, 4, 8, 9}) control[r] = true;
  const std::vector<bool> real(10, true);
  EvaluationOptions o;
  o.sphere = true;
  std::map<std::string, int64_t> singular;
  ASSERT_TRUE(NormalizedFeatures(f, control, real, o, &singular).ok());
  EXPECT_EQ(singular, (std::map<std::string, int64_t>{{"all wells", 4}}));
  o.sphere_by = "Metadata_Plate";
  singular.clear();
  ASSERT_TRUE(NormalizedFeatures(f, control, real, o, &singular).ok());
  EXPECT_EQ(singular, (std::map<std::string, int64_t>{{"P1", 2}, {"P2", 2}}));

  // Three features: the 4 controls together span them, 2 per plate do not.
  f.features = f.features.slice(1, 0, 3);
  f.feature_names.resize(3);
  o.sphere_by.clear();
  singular.clear();
  ASSERT_TRUE(NormalizedFeatures(f, control, real, o, &singular).ok());
  EXPECT_TRUE(singular.empty());
  o.sphere_by = "Metadata_Plate";
  ASSERT_TRUE(NormalizedFeatures(f, control, real, o, &singular).ok());
  EXPECT_EQ(singular.size(), 2u);
  // Scoring carries the report.
  MICON_ASSERT_OK_AND_ASSIGN(const Evaluation e, EvaluateProfiles(f, o));
  EXPECT_EQ(e.singular_sphere_groups, singular);
}

}  // namespace
}  // namespace micon

namespace micon {
namespace {

// A screen big enough for many tiles and a streamed control group (420
// controls: more pairs than percent replicating stores), on a coarse grid so
// that exact ties occur: 12 plates of 100 wells, 2 batches, 2 sources.
ProfileFrame Screen() {
  ProfileFrame f;
  f.path = "screen";
  f.metadata_names = {"Metadata_Plate",   "Metadata_Batch",
                      "Metadata_Source",  "Metadata_Compound",
                      "Metadata_Control", "Metadata_moa"};
  f.metadata.resize(6);
  torch::manual_seed(7);
  const torch::Tensor signal = torch::randn({130, 16}, torch::kFloat64);
  std::vector<torch::Tensor> rows;
  for (int plate = 0; plate < 12; ++plate) {
    for (int w = 0; w < 100; ++w) {
      const bool control = w < 35;
      const int compound = (plate * 65 + w) % 130;
      f.metadata[0].push_back("P" + std::to_string(plate));
      f.metadata[1].push_back("b" + std::to_string(plate % 2));
      f.metadata[2].push_back("s" + std::to_string(plate / 6));
      f.metadata[3].push_back(control ? "DMSO"
                                      : "C" + std::to_string(compound));
      f.metadata[4].push_back(control ? "1" : "0");
      // Mechanisms shared by several compounds, some compounds with two,
      // some with none.
      const std::string moa = "m" + std::to_string(compound % 20);
      f.metadata[5].push_back(control || compound % 13 == 0 ? "NA"
                              : compound % 7 == 0
                                  ? moa + "|m" + std::to_string(compound % 3)
                                  : moa);
      torch::Tensor x = torch::randn({16}, torch::kFloat64);
      if (!control) x += signal[compound];
      rows.push_back(torch::round(x * 2) / 2);
    }
  }
  f.features = torch::stack(rows);
  return f;
}

// Under mpirun every rank visits its share of the tiles and the shards sum
// their counts: the same metrics, bit for bit, at any world size.
TEST(EvaluateProfiles, ShardedOverRanksEqualsOneProcess) {
  const ProfileFrame screen = Screen();
  EvaluationOptions o;
  o.compound_column = "Metadata_Compound";
  o.null_size = 200;
  o.tile = 64;
  o.consistency_columns = {"Metadata_moa"};
  MICON_ASSERT_OK_AND_ASSIGN(const Evaluation one, EvaluateProfiles(screen, o));
  ASSERT_EQ(one.control_wells, 420);
  ASSERT_EQ(one.consistency[0].unannotated, 10);  // compounds 0, 13, ..., 117
  ASSERT_EQ(one.consistency[0].labels.size(), 20u);
  for (const int world : {2, 3, 4}) {
    testing::RunOnThreadRanks(world, [&](Communicator& comm) {
      CommunicatorShardReducer shards(comm);
      MICON_ASSERT_OK_AND_ASSIGN(const Evaluation e,
                                 EvaluateProfiles(screen, o, shards));
      ASSERT_EQ(e.metrics.size(), one.metrics.size());
      for (size_t m = 0; m < one.metrics.size(); ++m) {
        EXPECT_EQ(e.metrics[m].name, one.metrics[m].name);
        EXPECT_EQ(e.metrics[m].value, one.metrics[m].value)
            << one.metrics[m].name << ", world " << world;
      }
      ASSERT_EQ(e.map_vs_dmso.size(), one.map_vs_dmso.size());
      for (size_t c = 0; c < one.map_vs_dmso.size(); ++c) {
        EXPECT_EQ(e.map_vs_dmso[c].map, one.map_vs_dmso[c].map);
        EXPECT_EQ(e.map_vs_dmso[c].p_value, one.map_vs_dmso[c].p_value);
      }
      EXPECT_EQ(e.top_k_per_compound, one.top_k_per_compound);
      ASSERT_EQ(e.consistency[0].labels.size(),
                one.consistency[0].labels.size());
      for (size_t l = 0; l < one.consistency[0].labels.size(); ++l) {
        EXPECT_EQ(e.consistency[0].labels[l].map,
                  one.consistency[0].labels[l].map);
        EXPECT_EQ(e.consistency[0].labels[l].p_value,
                  one.consistency[0].labels[l].p_value);
      }
    });
  }
}

// Several consistency columns in one run: each scores exactly what a run of
// that column alone scores, its metrics named with the column; one column
// alone keeps the plain names.
TEST(EvaluateProfiles, SeveralConsistencyColumnsEachScoreAsAlone) {
  ProfileFrame screen = Screen();
  screen.metadata_names.push_back("Metadata_target");
  std::vector<std::string> target;
  for (const std::string& compound : screen.metadata[3]) {
    target.push_back(
        compound == "DMSO"
            ? ""
            : "t" + std::to_string(std::stoi(compound.substr(1)) % 9));
  }
  screen.metadata.push_back(target);
  EvaluationOptions o;
  o.null_size = 100;
  o.tile = 64;
  o.consistency_columns = {"Metadata_moa", "Metadata_target"};
  MICON_ASSERT_OK_AND_ASSIGN(const Evaluation both,
                             EvaluateProfiles(screen, o));
  ASSERT_EQ(both.consistency.size(), 2u);
  const auto metric = [](const Evaluation& e, const std::string& name) {
    for (const Metric& m : e.metrics) {
      if (m.name == name) return m.value;
    }
    ADD_FAILURE() << "no metric " << name;
    return -1.0;
  };
  for (size_t c = 0; c < 2; ++c) {
    EvaluationOptions alone = o;
    alone.consistency_columns = {o.consistency_columns[c]};
    MICON_ASSERT_OK_AND_ASSIGN(const Evaluation one,
                               EvaluateProfiles(screen, alone));
    const std::string& column = o.consistency_columns[c];
    EXPECT_EQ(metric(both, "consistency_map_" + column),
              metric(one, "consistency_map"));
    EXPECT_EQ(metric(both, "consistency_retrieved_" + column),
              metric(one, "consistency_retrieved"));
    EXPECT_EQ(metric(both, "map_vs_compounds"),
              metric(one, "map_vs_compounds"));
    ASSERT_EQ(both.consistency[c].labels.size(),
              one.consistency[0].labels.size());
    ASSERT_GT(one.consistency[0].labels.size(), 0u) << column;
    for (size_t l = 0; l < one.consistency[0].labels.size(); ++l) {
      EXPECT_EQ(both.consistency[c].labels[l].group,
                one.consistency[0].labels[l].group);
      EXPECT_EQ(both.consistency[c].labels[l].p_value,
                one.consistency[0].labels[l].p_value);
    }
  }
  EXPECT_EQ(ConsistencySuffix({"Metadata_moa"}, 0), "");
  EXPECT_EQ(ConsistencySuffix(o.consistency_columns, 1), "_Metadata_target");
}

}  // namespace
}  // namespace micon

namespace micon {
namespace {

// A compound's annotation is read from its wells: two values for one
// compound cannot both be right, and the error names both wells.
TEST(EvaluateProfiles, ConsistencyRefusesACompoundWithTwoAnnotations) {
  ProfileFrame screen = Screen();
  EvaluationOptions o;
  o.null_size = 10;
  o.tile = 64;
  o.consistency_columns = {"Metadata_moa"};
  size_t second = 0;
  int seen = 0;
  for (size_t r = 0; r < screen.metadata[3].size(); ++r) {
    if (screen.metadata[3][r] == "C22" && ++seen == 2) second = r;
  }
  ASSERT_GT(second, 0u);
  screen.metadata[5][second] = "m3";
  const absl::StatusOr<Evaluation> e = EvaluateProfiles(screen, o);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()),
              ::testing::AllOf(
                  ::testing::HasSubstr("Metadata_Compound C22 has "
                                       "Metadata_moa 'm3', but 'm2' at "),
                  ::testing::HasSubstr("must be the same in all its wells")));
}

// "NA" on one plate and an empty field on another both say "no
// annotation": not a conflict.
TEST(EvaluateProfiles, ConsistencyTakesEverySpellingOfNoAnnotationAsOne) {
  ProfileFrame screen = Screen();
  EvaluationOptions o;
  o.null_size = 10;
  o.tile = 64;
  o.percent_replicating = false;
  o.consistency_columns = {"Metadata_moa"};
  int changed = 0;
  for (size_t r = 0; r < screen.metadata[3].size(); ++r) {
    if (screen.metadata[3][r] == "C13" && changed++ % 2 == 0) {
      screen.metadata[5][r] = changed == 1 ? "" : " nan ";
    }
  }
  ASSERT_GE(changed, 3);
  MICON_ASSERT_OK_AND_ASSIGN(const Evaluation e, EvaluateProfiles(screen, o));
  EXPECT_EQ(e.consistency[0].unannotated, 10);
}

}  // namespace
}  // namespace micon
