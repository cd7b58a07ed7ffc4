// CsvWriter (data/csv_writer.h): RFC 4180 quoting, numbers that read back
// exactly, files larger than its buffer, and the atomic-file guarantees: an
// uncommitted or failed write leaves the previous file and no temporary.
#include "data/csv_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/delimited_table.h"
#include "tests/test_support.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(CsvWriter, QuotesWhereNeededAndWritesNumbersThatReadBackExactly) {
  const std::string path = testing::ScratchDir() + "/t.csv";
  MICON_ASSERT_OK_AND_ASSIGN(CsvWriter csv, CsvWriter::Open(path));
  csv.Field("name");
  csv.Field("value");
  csv.EndRow();
  csv.Field("a, \"b\"\nc");
  csv.Number(0.1);
  csv.EndRow();
  csv.Field("");
  csv.Number(-1e300);
  csv.EndRow();
  ASSERT_TRUE(csv.Commit().ok());
  EXPECT_EQ(testing::FileBytes(path),
            "name,value\n\"a, \"\"b\"\"\nc\",0.10000000000000001\n"
            ",-1.0000000000000001e+300\n");
  EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(CsvWriter, ATableLargerThanItsBufferReadsBackWhole) {
  const std::string path = testing::ScratchDir() + "/big.csv";
  MICON_ASSERT_OK_AND_ASSIGN(CsvWriter csv, CsvWriter::Open(path));
  csv.Field("row");
  csv.Field("x");
  csv.EndRow();
  constexpr int kRows = 100000;  // ~3.5 MB: several buffers
  for (int r = 0; r < kRows; ++r) {
    csv.Field(std::to_string(r));
    csv.Number(std::sqrt(static_cast<double>(r)));
    csv.EndRow();
  }
  ASSERT_TRUE(csv.Commit().ok());
  MICON_ASSERT_OK_AND_ASSIGN(DelimitedTable table, ReadDelimitedTable(path));
  ASSERT_EQ(table.rows.size(), static_cast<size_t>(kRows));
  for (int r : {0, 1, 4097, kRows - 1}) {
    EXPECT_EQ(table.rows[r][0], std::to_string(r));
    EXPECT_EQ(std::stod(table.rows[r][1]), std::sqrt(static_cast<double>(r)));
  }
}

TEST(CsvWriter, AWriterDestroyedUncommittedLeavesThePreviousFile) {
  const std::string path = testing::ScratchDir() + "/kept.csv";
  WriteText(path, "old\n");
  {
    MICON_ASSERT_OK_AND_ASSIGN(CsvWriter csv, CsvWriter::Open(path));
    csv.Field("new");
    csv.EndRow();
  }
  EXPECT_EQ(testing::FileBytes(path), "old\n");
  EXPECT_FALSE(fs::exists(path + ".partial"));
}

// A full disk (the temporary file is /dev/full): an error naming the file,
// the previous file untouched, nothing left behind.
TEST(CsvWriter, AFullDiskFailsTheCommitAndKeepsThePreviousFile) {
  const std::string path = testing::ScratchDir() + "/full.csv";
  WriteText(path, "old\n");
  fs::create_symlink("/dev/full", path + ".partial");
  MICON_ASSERT_OK_AND_ASSIGN(CsvWriter csv, CsvWriter::Open(path));
  for (int r = 0; r < 1000; ++r) {
    csv.Number(r);
    csv.EndRow();
  }
  const absl::Status s = csv.Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("writing " + path + " failed"),
            absl::string_view::npos)
      << s;
  EXPECT_NE(s.message().find("No space left on device"),
            absl::string_view::npos)
      << s;
  EXPECT_EQ(testing::FileBytes(path), "old\n");
  EXPECT_FALSE(fs::exists(fs::symlink_status(path + ".partial")));
}

}  // namespace
}  // namespace micon
