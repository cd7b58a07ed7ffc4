// RDKit features equal, bit for bit, what Debian's python3-rdkit computes for
// the real JUMP compound tables (tests/python/rdkit_reference.py).
#include "data/molecule_featurizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "data/delimited_table.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::PythonScript;
using ::micon::testing::RunCommand;
using ::micon::testing::SharedData;
using ::testing::HasSubstr;

struct ReferenceCase {
  std::string table;
  int radius;
  int bits;
  bool counts;
};

struct Reference {
  std::string canonical;
  std::map<int, int> entries;
  std::vector<double> descriptors;
};

std::map<std::string, Reference> RunReference(const ReferenceCase& c) {
  const testing::CommandResult r = RunCommand(
      absl::StrCat(PythonScript("rdkit_reference.py"), " ", SharedData(c.table),
                   " broad_sample smiles ", c.radius, " ", c.bits, " ",
                   c.counts ? "counts" : "bits"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, Reference> out;
  for (absl::string_view line :
       absl::StrSplit(r.output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != 4) {
      ADD_FAILURE() << "bad reference line: " << line;
      continue;
    }
    Reference& ref = out[f[0]];
    ref.canonical = f[1];
    for (absl::string_view e : absl::StrSplit(f[2], ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(e, ':');
      int index = 0, value = 0;
      EXPECT_TRUE(absl::SimpleAtoi(kv.first, &index) &&
                  absl::SimpleAtoi(kv.second, &value));
      ref.entries[index] = value;
    }
    for (absl::string_view d : absl::StrSplit(f[3], ',')) {
      double v = 0;
      EXPECT_TRUE(absl::SimpleAtod(d, &v)) << d;
      ref.descriptors.push_back(v);
    }
  }
  return out;
}

void PrintTo(const ReferenceCase& c, std::ostream* os) {
  *os << c.table << " r=" << c.radius << " bits=" << c.bits
      << (c.counts ? " counts" : "");
}

class MatchesPythonRdkit : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(MatchesPythonRdkit, OnRealJumpCompounds) {
  const ReferenceCase& c = GetParam();
  const std::map<std::string, Reference> reference = RunReference(c);
  ASSERT_GT(reference.size(), 80u);
  MICON_ASSERT_OK_AND_ASSIGN(DelimitedTable table,
                             ReadDelimitedTable(SharedData(c.table)));
  MICON_ASSERT_OK_AND_ASSIGN(size_t id_col, table.Column("broad_sample"));
  MICON_ASSERT_OK_AND_ASSIGN(size_t smiles_col, table.Column("smiles"));
  const MoleculeFeaturizer featurizer(
      {c.radius, c.bits, c.counts, /*descriptors=*/true});
  ASSERT_EQ(featurizer.dimension(),
            c.bits + static_cast<int>(DescriptorNames().size()));
  std::set<std::string>
      compared;  // some tables list a compound on several rows
  for (const auto& row : table.rows) {
    auto ref = reference.find(row[id_col]);
    if (ref == reference.end())
      continue;  // rows Python could not parse (none expected)
    MICON_ASSERT_OK_AND_ASSIGN(MoleculeFeatures f,
                               featurizer.Featurize(row[smiles_col]));
    EXPECT_EQ(f.canonical_smiles, ref->second.canonical) << row[id_col];
    std::map<int, int> entries;
    for (int i = 0; i < c.bits; ++i) {
      if (f.values[i] != 0) entries[i] = static_cast<int>(f.values[i]);
    }
    EXPECT_EQ(entries, ref->second.entries) << row[id_col];
    for (size_t d = 0; d < DescriptorNames().size(); ++d) {
      const double expected = ref->second.descriptors[d];
      EXPECT_NEAR(f.values[c.bits + d], expected,
                  1e-6 * std::max(1.0, std::abs(expected)))
          << row[id_col] << " " << DescriptorNames()[d];
    }
    compared.insert(row[id_col]);
  }
  EXPECT_EQ(compared.size(), reference.size());
}

INSTANTIATE_TEST_SUITE_P(
    Settings, MatchesPythonRdkit,
    ::testing::Values(
        ReferenceCase{"jump_target/JUMP-Target-1_compound_metadata.tsv", 2,
                      2048, false},
        ReferenceCase{"jump_target/JUMP-Target-1_compound_metadata.tsv", 2,
                      2048, true},
        ReferenceCase{"jump_moa/JUMP-MOA_compound_metadata.tsv", 2, 2048,
                      false},
        ReferenceCase{"jump_moa/JUMP-MOA_compound_metadata.tsv", 3, 1024, true},
        ReferenceCase{"jump_target/JUMP-Target-2_compound_metadata.tsv", 1, 512,
                      false}),
    [](const auto& info) {
      return absl::StrCat(
          info.param.table.substr(0, info.param.table.find('/')), "_r",
          info.param.radius, "_", info.param.bits,
          info.param.counts ? "_counts" : "_bits");
    });

TEST(MoleculeFeaturizer, InvalidSmilesSayWhy) {
  EXPECT_THAT(ValidateSmiles("C1CC").message(),
              HasSubstr("invalid SMILES 'C1CC'"));
  EXPECT_THAT(ValidateSmiles("CN(C)(C)(C)C").message(), HasSubstr("valence"));
  const MoleculeFeaturizer featurizer({});
  EXPECT_FALSE(featurizer.Featurize("not a molecule").ok());
  EXPECT_TRUE(ValidateSmiles("CS(C)=O").ok());
}

TEST(FeaturizerOptions, RejectsBadSettings) {
  EXPECT_FALSE((FeaturizerOptions{-1, 2048, false, false}).Validate().ok());
  EXPECT_FALSE((FeaturizerOptions{2, 0, false, false}).Validate().ok());
  EXPECT_EQ((FeaturizerOptions{2, 2048, true, true}).Key(),
            "morgan-r2-2048-counts+desc");
}

}  // namespace
}  // namespace micon
