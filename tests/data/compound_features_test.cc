// compounds.csv parsing, the invalid-SMILES policies, and the per-dataset
// feature cache.
#include "data/compound_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "data/compound_table.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

TEST(CompoundTable, ReadsQuotedFieldsAndExtraColumns) {
  const std::string path = WriteFile(
      ScratchDir() + "/compounds.csv",
      "\xEF\xBB\xBF"
      "compound_id,moa,smiles\n"
      "aspirin,\"COX inhibitor, irreversible\",CC(=O)Oc1ccccc1C(=O)O\n"
      "\n"
      "caffeine,\"adenosine \"\"antagonist\"\"\",Cn1cnc2c1c(=O)n(C)c(=O)n2C\n");
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t, ReadCompoundTable(path));
  ASSERT_EQ(t.compounds.size(), 2u);
  EXPECT_EQ(t.Find("caffeine")->smiles, "Cn1cnc2c1c(=O)n(C)c(=O)n2C");
  EXPECT_EQ(t.Find("aspirin")->line, 2u);
  EXPECT_EQ(t.Find("absent"), nullptr);
  // The extra columns are the compounds' annotations, kept as read.
  EXPECT_EQ(t.annotation_names, std::vector<std::string>{"moa"});
  EXPECT_EQ(t.Find("aspirin")->annotations,
            std::vector<std::string>{"COX inhibitor, irreversible"});
  EXPECT_EQ(t.Find("caffeine")->annotations,
            std::vector<std::string>{"adenosine \"antagonist\""});
}

// What a converter writes reads back with every annotation; pandas' unnamed
// index column is no annotation; a compound whose values do not match the
// columns is refused.
TEST(CompoundTable, AnnotationsRoundTrip) {
  const std::string dir = ScratchDir();
  const std::vector<std::string> names = {"moa", "InChIKey"};
  const std::vector<Compound> compounds = {
      {"aspirin", "CC(=O)Oc1ccccc1C(=O)O", 2, {"COX inhibitor", "BSYNRY"}},
      {"caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", 3}};
  MICON_ASSERT_OK(WriteCompoundTable(dir + "/c.csv", compounds, names));
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t,
                             ReadCompoundTable(dir + "/c.csv"));
  EXPECT_EQ(t.annotation_names, names);
  EXPECT_EQ(t.Find("aspirin")->annotations, compounds[0].annotations);
  EXPECT_EQ(t.Find("caffeine")->annotations,
            (std::vector<std::string>{"", ""}));

  MICON_ASSERT_OK_AND_ASSIGN(
      CompoundTable pandas,
      ReadCompoundTable(WriteFile(dir + "/p.csv",
                                  ",compound_id,smiles,moa\n0,x,C,kinase\n")));
  EXPECT_EQ(pandas.annotation_names, std::vector<std::string>{"moa"});
  EXPECT_EQ(pandas.Find("x")->annotations, std::vector<std::string>{"kinase"});

  EXPECT_THAT(
      MakeCompoundTable({{"x", "C", 4, {"a", "b", "c"}}}, "origin.csv", names)
          .status()
          .message(),
      AllOf(HasSubstr("origin.csv line 4"),
            HasSubstr("3 annotation values for 2 annotation columns")));
}

TEST(CompoundTable, ErrorsNameFileLineAndColumn) {
  const std::string dir = ScratchDir();
  EXPECT_THAT(
      ReadCompoundTable(WriteFile(dir + "/a.csv", "id,smiles\nx,C\n"))
          .status()
          .message(),
      AllOf(HasSubstr(dir + "/a.csv"), HasSubstr("no column 'compound_id'")));
  EXPECT_THAT(
      ReadCompoundTable(
          WriteFile(dir + "/b.csv", "compound_id,smiles\nx,C\ny,CC\nx,CCC\n"))
          .status()
          .message(),
      AllOf(HasSubstr(dir + "/b.csv line 4"),
            HasSubstr("duplicate compound_id x"),
            HasSubstr("first on line 2")));
  EXPECT_THAT(
      ReadCompoundTable(WriteFile(dir + "/c.csv", "compound_id,smiles\nx,\n"))
          .status()
          .message(),
      AllOf(HasSubstr(dir + "/c.csv line 2"), HasSubstr("x has no SMILES")));
  EXPECT_THAT(ReadCompoundTable(
                  WriteFile(dir + "/d.csv", "compound_id,smiles\nx,C,extra\n"))
                  .status()
                  .message(),
              AllOf(HasSubstr(dir + "/d.csv line 2"), HasSubstr("3 fields")));
}

class CompoundFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ScratchDir();
    path_ = WriteFile(dir_ + "/compounds.csv",
                      "compound_id,smiles\n"
                      "aspirin,CC(=O)Oc1ccccc1C(=O)O\n"
                      "broken,C1CC\n"
                      "caffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C\n");
  }
  std::string dir_, path_;
};

TEST_F(CompoundFeaturesTest, InvalidSmilesIsAnErrorNamingCompoundAndLine) {
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t, ReadCompoundTable(path_));
  EXPECT_THAT(
      FeaturizeCompounds(t, {}, InvalidSmilesPolicy::kError).status().message(),
      AllOf(HasSubstr(path_ + " line 3"), HasSubstr("compound broken"),
            HasSubstr("C1CC")));
}

TEST_F(CompoundFeaturesTest, ExcludePolicyReportsWhatItLeftOut) {
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t, ReadCompoundTable(path_));
  MICON_ASSERT_OK_AND_ASSIGN(CompoundFeatures f,
                             FeaturizeCompounds(t, {2, 64, false, false},
                                                InvalidSmilesPolicy::kExclude));
  EXPECT_EQ(f.ids, (std::vector<std::string>{"aspirin", "caffeine"}));
  ASSERT_EQ(f.excluded.size(), 1u);
  EXPECT_EQ(f.excluded[0].id, "broken");
  EXPECT_EQ(f.excluded[0].line, 3u);
  EXPECT_EQ(f.values.size(), 2u * 64);
  EXPECT_EQ(f.Row("broken"), nullptr);
  ASSERT_NE(f.Row("caffeine"), nullptr);
  EXPECT_EQ(f.Row("caffeine"), f.values.data() + 64);
}

TEST_F(CompoundFeaturesTest, CacheIsReusedUntilTheTableChanges) {
  const std::string cache = dir_ + "/.micon-cache";
  const FeaturizerOptions options{2, 256, true, true};
  std::vector<std::string> warnings;
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t, ReadCompoundTable(path_));
  MICON_ASSERT_OK_AND_ASSIGN(
      CompoundFeatures first,
      LoadOrComputeCompoundFeatures(t, options, InvalidSmilesPolicy::kExclude,
                                    cache, &warnings));
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(std::filesystem::exists(
      cache + "/features-morgan-r2-256-counts+desc.h5"));
  MICON_ASSERT_OK_AND_ASSIGN(
      CompoundFeatures second,
      LoadOrComputeCompoundFeatures(t, options, InvalidSmilesPolicy::kExclude,
                                    cache, &warnings));
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.ids, first.ids);
  EXPECT_EQ(second.canonical_smiles, first.canonical_smiles);
  EXPECT_EQ(second.values, first.values);
  ASSERT_EQ(second.excluded.size(), 1u);
  EXPECT_EQ(second.excluded[0].line, 3u);
  EXPECT_TRUE(warnings.empty());

  WriteFile(path_, "compound_id,smiles\naspirin,CC(=O)Oc1ccccc1C(=O)O\n");
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable changed, ReadCompoundTable(path_));
  MICON_ASSERT_OK_AND_ASSIGN(
      CompoundFeatures third,
      LoadOrComputeCompoundFeatures(
          changed, options, InvalidSmilesPolicy::kExclude, cache, &warnings));
  EXPECT_FALSE(third.from_cache);
  EXPECT_EQ(third.ids, std::vector<std::string>{"aspirin"});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("stale"));
}

// A profile table is its own compound table: its feature values change
// nothing the features depend on, so the cache is keyed on the compounds, not
// on the file (which validation no longer reads: it held a 2 GB table in
// memory). Any change of an id, SMILES or line makes it stale.
TEST(CompoundFeaturesCache, KeyedOnTheCompoundsNotTheFile) {
  const std::string dir = ScratchDir(), cache = dir + "/.micon-cache";
  const FeaturizerOptions options{2, 128, false, false};
  const std::vector<Compound> compounds = {
      {"aspirin", "CC(=O)Oc1ccccc1C(=O)O", 2},
      {"caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", 3}};
  const auto features = [&](std::vector<Compound> c,
                            const std::string& origin) {
    std::vector<std::string> warnings;
    absl::StatusOr<CompoundTable> t = MakeCompoundTable(std::move(c), origin);
    EXPECT_TRUE(t.ok()) << t.status();
    absl::StatusOr<CompoundFeatures> f = LoadOrComputeCompoundFeatures(
        *t, options, InvalidSmilesPolicy::kError, cache, &warnings);
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() && f->from_cache;
  };
  EXPECT_FALSE(features(compounds, dir + "/profiles.h5"));
  // Another file, or none at all, with the same compounds: the cache holds.
  EXPECT_TRUE(features(compounds, dir + "/no-such-profiles.h5"));
  std::vector<Compound> changed = compounds;
  changed[1].smiles = "CN1C=NC2=C1C(=O)N(C(=O)N2C)C";
  EXPECT_FALSE(features(changed, dir + "/profiles.h5"));
  changed = compounds;
  changed[0].line = 7;
  EXPECT_FALSE(features(changed, dir + "/profiles.h5"));
  changed = compounds;
  changed.pop_back();
  EXPECT_FALSE(features(changed, dir + "/profiles.h5"));
}

// Jobs that share a dataset (the regime study's parallel trainings, tests
// started together) may all find its cache missing and write it at once. Each
// must commit a whole file of its own: two processes writing one temporary
// file once left a committed cache whose ids were empty strings, which every
// later run then trusted.
TEST_F(CompoundFeaturesTest, ProcessesWritingTheCacheAtOnceLeaveAWholeFile) {
  const std::string cache = dir_ + "/.micon-cache";
  const std::string file = cache + "/features-morgan-r2-256-counts+desc.h5";
  const FeaturizerOptions options{2, 256, true, true};
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t, ReadCompoundTable(path_));
  const std::vector<std::string> expected = {"aspirin", "caffeine"};
  constexpr int kProcesses = 16, kRounds = 30;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int round = 0; round < kRounds; ++round) {
        std::error_code ignored;
        std::filesystem::remove(file, ignored);  // every process rewrites it
        // Computes and writes it, then reads whatever is in place.
        for (int call = 0; call < 2; ++call) {
          std::vector<std::string> warnings;
          absl::StatusOr<CompoundFeatures> f = LoadOrComputeCompoundFeatures(
              t, options, InvalidSmilesPolicy::kExclude, cache, &warnings);
          if (!f.ok() || f->ids != expected) _exit(1);
        }
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a process read a cache other than the one it wrote";
  }
  // What is left in place is whole, and nothing half-written beside it.
  std::vector<std::string> warnings;
  MICON_ASSERT_OK_AND_ASSIGN(
      CompoundFeatures last,
      LoadOrComputeCompoundFeatures(t, options, InvalidSmilesPolicy::kExclude,
                                    cache, &warnings));
  EXPECT_EQ(last.ids, expected);
  for (const auto& entry : std::filesystem::directory_iterator(cache)) {
    EXPECT_EQ(entry.path().string(), file) << "left behind";
  }
}

TEST_F(CompoundFeaturesTest, ADamagedCacheIsRecomputedNotTrusted) {
  const std::string cache = dir_ + "/cache";
  std::filesystem::create_directories(cache);
  WriteFile(cache + "/features-morgan-r2-2048-bits.h5", "garbage");
  std::vector<std::string> warnings;
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t, ReadCompoundTable(path_));
  MICON_ASSERT_OK_AND_ASSIGN(
      CompoundFeatures f,
      LoadOrComputeCompoundFeatures(t, {}, InvalidSmilesPolicy::kExclude, cache,
                                    &warnings));
  EXPECT_FALSE(f.from_cache);
  EXPECT_EQ(f.ids.size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("not used"));
}

}  // namespace
}  // namespace micon
