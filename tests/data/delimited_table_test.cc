// ReadDelimitedTable and ReadDelimitedRows (data/delimited_table.h): tables
// read as they stream in, across the reader's 64 KiB chunks, plain or gzip;
// the header's byte-order mark dropped; errors that name the file and line;
// a callback's error stops the read.
#include "data/delimited_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>

#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::HasSubstr;

// Rows "r,<r>,<quoted text with a comma>" of about 30 bytes each.
std::string Table(int rows) {
  std::string text = "\xEF\xBB\xBFname,value,note\n";
  for (int r = 0; r < rows; ++r) {
    text += "r" + std::to_string(r) + "," + std::to_string(r * 0.5) +
            ",\"a, b \"\"" + std::to_string(r) + "\"\"\"\n";
  }
  return text;
}

TEST(DelimitedTable, ATableOfManyChunksReadsBackWholePlainOrGzip) {
  constexpr int kRows = 20000;  // ~0.6 MB: records straddle the chunks
  const std::string text = Table(kRows);
  const std::string dir = testing::ScratchDir();  // a fresh one per call
  const std::string plain = dir + "/t.csv";
  std::ofstream(plain, std::ios::binary) << text;
  const std::string gz = dir + "/t.csv.gz";
  gzFile file = gzopen(gz.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
  for (const std::string& path : {plain, gz}) {
    MICON_ASSERT_OK_AND_ASSIGN(DelimitedTable t, ReadDelimitedTable(path));
    EXPECT_EQ(t.header, (std::vector<std::string>{"name", "value", "note"}));
    ASSERT_EQ(t.rows.size(), static_cast<size_t>(kRows)) << path;
    for (int r : {0, 1, 2207, kRows - 1}) {
      EXPECT_EQ(t.rows[r][0], "r" + std::to_string(r));
      EXPECT_EQ(t.rows[r][2], "a, b \"" + std::to_string(r) + "\"");
    }
  }
}

TEST(DelimitedTable, ARowOfTheWrongWidthIsNamedByLine) {
  const std::string path = testing::ScratchDir() + "/bad.csv";
  std::ofstream(path) << "a,b\n1,2\n3,4,5\n6,7\n";
  const absl::StatusOr<DelimitedTable> t = ReadDelimitedTable(path);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(),
              HasSubstr(path + " line 3: 3 fields, header has 2"));
}

TEST(DelimitedTable, ACallbacksErrorStopsTheReadAndIsReturned) {
  const std::string path = testing::ScratchDir() + "/t.csv";
  std::ofstream(path) << Table(10000);
  size_t rows = 0, last_line = 0;
  const absl::Status s = ReadDelimitedRows(
      path, 0,
      [](std::vector<std::string>& header, size_t line) {
        EXPECT_EQ(line, 1u);
        EXPECT_EQ(header.front(), "name");
        return absl::OkStatus();
      },
      [&](std::vector<std::string>& row, size_t line) {
        ++rows;
        last_line = line;
        EXPECT_EQ(row[0], "r" + std::to_string(line - 2));
        return line == 5 ? absl::InvalidArgumentError("stop at line 5")
                         : absl::OkStatus();
      });
  EXPECT_EQ(s, absl::InvalidArgumentError("stop at line 5"));
  EXPECT_EQ(rows, 4u);
  EXPECT_EQ(last_line, 5u);
}

TEST(DelimitedTable, AnEmptyFileHasNoHeader) {
  const std::string path = testing::ScratchDir() + "/empty.csv";
  std::ofstream(path).flush();
  const absl::StatusOr<DelimitedTable> t = ReadDelimitedTable(path);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("empty file (no header)"));
}

// pandas' default missing-value markers, trimmed; a value that only
// contains one is a value.
TEST(DelimitedTable, MissingValuesAreWhatPandasReadsAsMissing) {
  for (const std::string v :
       {"", "  ", "NA", " nan ", "None", "<NA>", "#N/A", "null", "N/A"}) {
    EXPECT_TRUE(IsMissingValue(v)) << "'" << v << "'";
  }
  for (const std::string v :
       {"0", "DNA", "NAD+ inhibitor", "none of them", "nanomolar", "-"}) {
    EXPECT_FALSE(IsMissingValue(v)) << "'" << v << "'";
  }
}

}  // namespace
}  // namespace micon
