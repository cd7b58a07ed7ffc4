// micon evaluate on the real profiles in ../shared/data: cytominer-eval's
// golden percent replicating, mAP and top-k against an independent
// numpy/pandas reference, and errors that name what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "data/delimited_table.h"
#include "tests/real_profiles.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::MiconBinary;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kJumpMoa = testing::kJumpMoaProfiles;
constexpr const char* kLincs = testing::kLincsProfiles;

std::map<std::string, std::vector<std::string>> ByFirstColumn(
    const std::string& path) {
  absl::StatusOr<DelimitedTable> t = ReadDelimitedTable(path);
  EXPECT_TRUE(t.ok()) << t.status();
  std::map<std::string, std::vector<std::string>> out;
  if (!t.ok()) return out;
  out[""] = t->header;
  for (const auto& row : t->rows) out[row[0]] = row;
  return out;
}

double Field(const std::map<std::string, std::vector<std::string>>& table,
             const std::string& row, const std::string& column) {
  const std::vector<std::string>& header = table.at("");
  const auto it = std::find(header.begin(), header.end(), column);
  EXPECT_NE(it, header.end()) << column;
  return std::stod(table.at(row).at(it - header.begin()));
}

TEST(MiconEvaluate, ReproducesCytominerEvalPercentReplicating) {
  const std::string out = ScratchDir();
  const testing::CommandResult r = RunCommand(
      MiconBinary() + " evaluate --profiles cp=" + SharedData(kLincs) +
      " --compound-column Metadata_broad_sample --controls "
      "Metadata_pert_type=control --replicate-groups "
      "Metadata_broad_sample,Metadata_mg_per_ml --null-size 100 -o " +
      out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("360 treated wells (360 querying) of 58 compounds, 24 "
                        "control wells, 454 features"));
  // The default budget, and where it came from (this machine's MemAvailable
  // or a cgroup limit), said before the work.
  EXPECT_THAT(r.output, HasSubstr("micon: memory budget "));
  EXPECT_THAT(r.output, HasSubstr(" per rank (80% of "));
  const auto table = ByFirstColumn(out + "/evaluation.csv");
  EXPECT_NEAR(Field(table, "cp", "percent_replicating"), 0.4583, 5e-5);
}

TEST(MiconEvaluate, MatchesAnIndependentReferenceOnJumpMoaProfiles) {
  const std::string out = ScratchDir();
  const testing::CommandResult r =
      RunCommand(MiconBinary() +
                 " evaluate --profiles cellprofiler=" + SharedData(kJumpMoa) +
                 " --compound-column Metadata_broad_sample --controls "
                 "Metadata_pert_type=control --null-size 1000 -o " +
                 out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const testing::CommandResult ref =
      RunCommand(testing::PythonScript("replicate_metrics_reference.py") + " " +
                 SharedData(kJumpMoa) +
                 " Metadata_broad_sample Metadata_pert_type control " + out +
                 "/ref_per_compound.csv " + out + "/ref_topk.csv");
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const auto mine = ByFirstColumn(out + "/per_compound_cellprofiler.csv");
  const auto theirs = ByFirstColumn(out + "/ref_per_compound.csv");
  ASSERT_EQ(mine.size(), theirs.size());
  ASSERT_EQ(mine.size(), 89u);  // header + 88 compounds with replicates
  for (const auto& [compound, row] : theirs) {
    if (compound.empty()) continue;
    ASSERT_TRUE(mine.count(compound)) << compound;
    for (const char* column : {"map_vs_dmso", "map_vs_compounds"}) {
      EXPECT_NEAR(Field(mine, compound, column),
                  Field(theirs, compound, column), 1e-12)
          << compound << " " << column;
    }
  }
  const auto summary = ByFirstColumn(out + "/evaluation.csv");
  const auto topk = ByFirstColumn(out + "/ref_topk.csv");
  for (const char* k : {"top1_all", "top5_all", "top10_all"}) {
    EXPECT_NEAR(Field(summary, "cellprofiler", k), Field(topk, k, "value"),
                1e-12)
        << k;
  }
  EXPECT_TRUE(std::filesystem::exists(out + "/evaluation.png"));
}

// LINCS's mechanisms and targets in one run: each column's files are, byte
// for byte, what a run of that column alone writes (under the plain name
// there), and its metrics carry the column's name. A column given twice is
// refused.
TEST(MiconEvaluate, SeveralConsistencyColumnsInOneRun) {
  const std::string out = ScratchDir();
  const std::string base =
      MiconBinary() + " evaluate --profiles cp=" + SharedData(kLincs) +
      " --compound-column Metadata_broad_sample --controls "
      "Metadata_pert_type=control --skip-percent-replicating --null-size 200";
  testing::CommandResult r =
      RunCommand(base +
                 " --consistency Metadata_moa --consistency "
                 "Metadata_target -o " +
                 out + "/both");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("consistency over Metadata_moa: "));
  EXPECT_THAT(r.output, HasSubstr("consistency over Metadata_target: "));
  const auto both = ByFirstColumn(out + "/both/evaluation.csv");
  for (const std::string column : {"Metadata_moa", "Metadata_target"}) {
    r = RunCommand(base + " --consistency " + column + " -o " + out + "/" +
                   column);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const std::string file : {"consistency_", "consistency_compounds_"}) {
      const std::string mine =
          testing::FileBytes(out + "/both/" + file + "cp_" + column + ".csv");
      EXPECT_THAT(mine, HasSubstr("label,")) << file << column;
      EXPECT_EQ(mine,
                testing::FileBytes(out + "/" + column + "/" + file + "cp.csv"))
          << file << column;
    }
    const auto alone = ByFirstColumn(out + "/" + column + "/evaluation.csv");
    EXPECT_EQ(Field(both, "cp", "consistency_map_" + column),
              Field(alone, "cp", "consistency_map"));
    EXPECT_EQ(Field(both, "cp", "map_vs_compounds"),
              Field(alone, "cp", "map_vs_compounds"));
  }
  r = RunCommand(base +
                 " --consistency Metadata_moa --consistency "
                 "Metadata_moa -o " +
                 out + "/twice");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--consistency names a column twice"));
}

// Phenotypic consistency on both real plates: JUMP-MOA's 90 compounds in
// pairs per MOA (one label each), and LINCS's multilabel annotations
// ("NFkB pathway inhibitor|proteasome inhibitor") with unannotated
// compounds, against an independent numpy/pandas reference.
TEST(MiconEvaluate, ConsistencyMatchesAnIndependentReference) {
  struct Case {
    const char* profiles;
    const char* summary;
    size_t labels;
  };
  for (const Case& c :
       {Case{kJumpMoa,
             "90 annotated compound(s), 86 sharing a label with another, 43 "
             "label(s) shared by 2 or more; 0 compound(s) without",
             43},
        Case{kLincs, "55 annotated compound(s)", 8}}) {
    const std::string out = ScratchDir() + "/" + std::to_string(c.labels);
    const testing::CommandResult r = RunCommand(
        MiconBinary() + " evaluate --profiles cp=" + SharedData(c.profiles) +
        " --compound-column Metadata_broad_sample --controls "
        "Metadata_pert_type=control --consistency Metadata_moa "
        "--skip-percent-replicating --null-size 200 -o " +
        out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.summary));
    const testing::CommandResult ref = RunCommand(
        testing::PythonScript("consistency_reference.py") + " " +
        SharedData(c.profiles) +
        " Metadata_broad_sample Metadata_pert_type control Metadata_moa '|' " +
        out + "/ref.csv " + out + "/ref_queries.csv");
    ASSERT_EQ(ref.exit_code, 0) << ref.output;
    const auto mine = ByFirstColumn(out + "/consistency_cp.csv");
    const auto theirs = ByFirstColumn(out + "/ref.csv");
    ASSERT_EQ(theirs.size(), c.labels + 1);  // and the header
    ASSERT_EQ(mine.size(), theirs.size());
    double sum = 0;
    for (const auto& [label, row] : theirs) {
      if (label.empty()) continue;
      ASSERT_TRUE(mine.count(label)) << label;
      EXPECT_NEAR(Field(mine, label, "map"), Field(theirs, label, "map"), 1e-12)
          << label;
      EXPECT_EQ(Field(mine, label, "compounds"),
                Field(theirs, label, "compounds"))
          << label;
      sum += Field(theirs, label, "map");
    }
    const auto summary = ByFirstColumn(out + "/evaluation.csv");
    EXPECT_NEAR(Field(summary, "cp", "consistency_map"),
                sum / static_cast<double>(c.labels), 1e-12);
    // Each compound's AP for each of its labels, keyed "label/compound".
    const auto keyed = [](const std::string& path) {
      std::map<std::string, double> out;
      const absl::StatusOr<DelimitedTable> t = ReadDelimitedTable(path);
      EXPECT_TRUE(t.ok()) << t.status();
      if (!t.ok()) return out;
      const size_t ap = *t->Column("ap");
      for (const auto& row : t->rows)
        out[row[0] + "/" + row[1]] = std::stod(row[ap]);
      return out;
    };
    const auto mine_queries = keyed(out + "/consistency_compounds_cp.csv");
    const auto their_queries = keyed(out + "/ref_queries.csv");
    ASSERT_EQ(mine_queries.size(), their_queries.size());
    for (const auto& [key, ap] : their_queries) {
      ASSERT_TRUE(mine_queries.count(key)) << key;
      EXPECT_NEAR(mine_queries.at(key), ap, 1e-12) << key;
    }
  }
}

// The annotation can come from a table beside the profiles (micon's own
// profiles carry no mechanism): JUMP-MOA's compound metadata TSV gives the
// plate's own Metadata_moa, so the labels and their mAP are the same.
TEST(MiconEvaluate, ConsistencyReadsAnnotationsFromATable) {
  const std::string out = ScratchDir();
  const std::string common =
      MiconBinary() + " evaluate --profiles cp=" + SharedData(kJumpMoa) +
      " --compound-column Metadata_broad_sample --controls "
      "Metadata_pert_type=control --skip-percent-replicating --null-size 100 ";
  testing::CommandResult r =
      RunCommand(common + "--consistency Metadata_moa -o " + out + "/own");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string table =
      SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv");
  r = RunCommand(common + "--consistency moa --annotations " + table +
                 " --annotations-key broad_sample -o " + out + "/table");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("consistency over moa: 90 annotated"));
  const auto own = ByFirstColumn(out + "/own/consistency_cp.csv");
  const auto from_table = ByFirstColumn(out + "/table/consistency_cp.csv");
  ASSERT_EQ(own.size(), 44u);
  EXPECT_EQ(own, from_table);
  r = RunCommand(common + "--consistency moa --annotations " + table);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("no column 'compound_id'"));
}

// Active-only keeps the compounds retrieved against DMSO; the flags that
// shape consistency need its column.
TEST(MiconEvaluate, ConsistencyAmongActiveCompoundsAndItsFlags) {
  const std::string out = ScratchDir();
  testing::CommandResult r = RunCommand(
      MiconBinary() + " evaluate --profiles cp=" + SharedData(kJumpMoa) +
      " --compound-column Metadata_broad_sample --controls "
      "Metadata_pert_type=control --consistency Metadata_moa "
      "--consistency-active-only --skip-percent-replicating --null-size 1000 "
      "-o " +
      out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // evaluation.csv's retrieved_vs_dmso is the share of the 88 compounds with
  // replicates that are active; those are the ones ranked.
  const auto summary = ByFirstColumn(out + "/evaluation.csv");
  const double active = Field(summary, "cp", "retrieved_vs_dmso") * 88;
  EXPECT_THAT(r.output,
              HasSubstr(std::to_string(std::lround(active)) +
                        " annotated compound(s) active against DMSO"));
  r = RunCommand(MiconBinary() +
                 " evaluate --profiles cp=" + SharedData(kJumpMoa) +
                 " --compound-column Metadata_broad_sample --controls "
                 "Metadata_pert_type=control --consistency-active-only");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("need --consistency COLUMN"));
  r = RunCommand(MiconBinary() +
                 " evaluate --profiles cp=" + SharedData(kJumpMoa) +
                 " --compound-column Metadata_broad_sample --controls "
                 "Metadata_pert_type=control --consistency Metadata_MOA");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("no metadata column Metadata_MOA"));
}

TEST(MiconEvaluate, NamesTheMissingColumnAndBadFlags) {
  testing::CommandResult r = RunCommand(
      MiconBinary() + " evaluate --profiles cp=" + SharedData(kJumpMoa) +
      " --controls Metadata_pert_type=control");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("no metadata column Metadata_Compound"));
  r = RunCommand(MiconBinary() + " evaluate --profiles " +
                 SharedData(kJumpMoa));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--profiles must be NAME=PATH"));
  r = RunCommand(MiconBinary() +
                 " evaluate --profiles a/b=" + SharedData(kJumpMoa));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("method name 'a/b' may use only"));
  r = RunCommand(MiconBinary() +
                 " evaluate --profiles cp=" + SharedData(kJumpMoa) +
                 " --profiles cp=" + SharedData(kJumpMoa) +
                 " --compound-column Metadata_broad_sample --controls "
                 "Metadata_pert_type=control");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("method name 'cp' is given twice"));
  r = RunCommand(MiconBinary() +
                 " evaluate --profiles cp=" + SharedData(kJumpMoa) +
                 " --compound-column Metadata_broad_sample --controls "
                 "Metadata_pert_type=control --normalize mad "
                 "--normalize-by Metadata_Well");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("Metadata_Well A01 has no control wells"));
}

// A controls value that matches nothing would score the DMSO wells as one
// more compound; a screen larger than the memory given is refused with the
// number it needs, before the similarities start.
// X of a refusal's "needs at least X GB"; -1 without one.
double NeededGigabytes(const std::string& output) {
  const std::string marker = "needs at least ";
  const size_t at = output.find(marker);
  return at == std::string::npos ? -1
                                 : std::stod(output.substr(at + marker.size()));
}

TEST(MiconEvaluate, RefusesControlsThatMatchNothingAndTooSmallABudget) {
  const std::string base = MiconBinary() +
                           " evaluate --profiles cp=" + SharedData(kJumpMoa) +
                           " --compound-column Metadata_broad_sample ";
  testing::CommandResult r =
      RunCommand(base + "--controls Metadata_pert_type=contrl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("controls Metadata_pert_type=contrl match "
                                  "no row; Metadata_pert_type holds control, "
                                  "trt"));
  r = RunCommand(base +
                 "--controls Metadata_pert_type=control --memory-gb 0.003");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("evaluating 376 wells needs at least"));
  EXPECT_THAT(r.output,
              HasSubstr("but the budget is 0.00 GB (--memory-gb 0.003)"));
  EXPECT_THAT(r.output,
              HasSubstr("percent replicating's share of what is needed is "));
  const double with_percent_replicating = NeededGigabytes(r.output);
  // Left out, percent replicating reserves nothing: less is needed.
  r = RunCommand(base +
                 "--controls Metadata_pert_type=control --memory-gb 0.003 "
                 "--skip-percent-replicating");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("evaluating 376 wells needs at least"));
  EXPECT_THAT(r.output, Not(HasSubstr("percent replicating's share")));
  EXPECT_LT(NeededGigabytes(r.output), with_percent_replicating);
  r = RunCommand(base +
                 "--controls Metadata_pert_type=control --tile-precision f16");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--tile-precision must be one of"));
}

TEST(MiconEvaluate, RetrievalFlagsAreChecked) {
  testing::CommandResult r = RunCommand(MiconBinary() + " evaluate");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("give --profiles NAME=PATH (replicate "
                                  "metrics) or --retrieval NAME=DIR"));
  const std::string dir = ScratchDir();
  r = RunCommand(MiconBinary() + " evaluate --retrieval x=" + dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(dir + "/well_projections.csv"));
  r = RunCommand(MiconBinary() +
                 " evaluate --profiles cp=" + SharedData(kJumpMoa) +
                 " --retrieval-split " + SharedData(kJumpMoa));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--retrieval-split needs --retrieval"));
}

// Retrieval end to end: a small embed output with exact ties, control wells,
// a molecule without wells and a held-out split, through `micon evaluate
// --retrieval`, against tests/python/retrieval_reference.py's brute force
// (every query's rank and chance, and retrieval.csv's R@1/5/10, mean rank and
// chance), which also plants five errors and must see each.
TEST(MiconEvaluate, RetrievalMatchesABruteForceComputation) {
  const std::string dir = ScratchDir();
  const std::string script = testing::PythonScript("retrieval_reference.py");
  testing::CommandResult r = RunCommand(script + " make " + dir + "/m");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(MiconBinary() + " evaluate --retrieval cc=" + dir +
                 "/m --retrieval-split " + dir + "/m/screen.json -o " + dir +
                 "/eval");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(script + " check " + dir + "/m " + dir + "/eval cc");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PASS"));
}

// RESULTS.md section 4 rests on deploy/benchmark/cellclip_summary.py: on a
// fixed two-seed input, every point estimate it prints (replicate metrics,
// R@k and mean rank with chance, paired differences) equals the one the
// reference sums by hand, and lies inside its own interval.
TEST(CellclipSummary, PointEstimatesMatchAnIndependentSum) {
  const testing::CommandResult r =
      RunCommand(testing::PythonScript("retrieval_reference.py") + " summary " +
                 testing::SourceDir() +
                 "/deploy/benchmark/cellclip_summary.py " + ScratchDir());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PASS: 100 point estimates"));
}

}  // namespace
}  // namespace micon
