// Plate readers sharing a bounded pool of open files: every pixel still reads
// right, at most the capacity stays open, a file closed for space is reopened
// and checked, and concurrent readers may evict each other's files.
#include "data/plate_file_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "data/plate_reader.h"
#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::micon::testing::TestHeader;
using ::micon::testing::TestImage;
using ::testing::AllOf;
using ::testing::HasSubstr;

// `n` plates of `images` images each, written to `dir`, their readers sharing
// `pool`.
std::vector<PlateReader> OpenPlates(const std::string& dir, int n, int images,
                                    std::shared_ptr<PlateFilePool> pool) {
  std::vector<PlateReader> readers;
  for (int p = 0; p < n; ++p) {
    const std::string path = dir + "/P" + std::to_string(p) + ".h5";
    // Plates differ in size, so a wrong file's pixels cannot pass.
    const PlateHeader header = TestHeader("P" + std::to_string(p), 6 + p, 5);
    std::vector<ImageRecord> records(images, {"A01", 0, "DMSO", true});
    for (int i = 0; i < images; ++i) records[i].site = i;
    EXPECT_TRUE(testing::WriteTestPlate(path, header, records).ok());
    absl::StatusOr<PlateReader> reader = PlateReader::Open(path, pool);
    EXPECT_TRUE(reader.ok()) << reader.status();
    readers.push_back(*std::move(reader));
  }
  return readers;
}

void ExpectReadsRight(const PlateReader& reader, int64_t image) {
  const PlateHeader& header = reader.metadata().header;
  std::vector<uint16_t> pixels(header.pixels_per_image());
  MICON_ASSERT_OK(reader.ReadImage(image, pixels.data()));
  EXPECT_EQ(pixels, TestImage(image, header))
      << reader.metadata().path << " image " << image;
}

TEST(PlateFilePool, ReadersBeyondTheCapacityReadEveryPixelRight) {
  auto pool = std::make_shared<PlateFilePool>(2);
  const std::vector<PlateReader> readers = OpenPlates(ScratchDir(), 5, 3, pool);
  ASSERT_EQ(readers.size(), 5u);
  EXPECT_EQ(pool->open_files(), 2);
  EXPECT_EQ(pool->reopened(), 0);  // opening validated and kept the last two
  for (int round = 0; round < 2; ++round) {
    for (const PlateReader& reader : readers) {
      for (int64_t i = 0; i < 3; ++i) ExpectReadsRight(reader, i);
      EXPECT_LE(pool->open_files(), 2);
    }
  }
  // Round robin over 5 plates with room for 2: the two held are always the
  // two read last, so each plate is opened again once per round, and its
  // other images are read from the open file.
  EXPECT_EQ(pool->reopened(), 2 * 5);
}

TEST(PlateFilePool, TheMostRecentlyReadFileStaysOpen) {
  auto pool = std::make_shared<PlateFilePool>(2);
  const std::vector<PlateReader> readers = OpenPlates(ScratchDir(), 3, 1, pool);
  // Open: P1 and P2 kept. Reading P1 makes P2 the least recent, so reading
  // P0 closes P2, and P1 is still open.
  ExpectReadsRight(readers[1], 0);
  ExpectReadsRight(readers[0], 0);
  EXPECT_EQ(pool->reopened(), 1);
  ExpectReadsRight(readers[1], 0);
  EXPECT_EQ(pool->reopened(), 1);
  ExpectReadsRight(readers[2], 0);
  EXPECT_EQ(pool->reopened(), 2);
}

TEST(PlateFilePool, AFileReplacedWhileClosedIsRefusedByName) {
  const std::string dir = ScratchDir();
  auto pool = std::make_shared<PlateFilePool>(1);
  std::vector<PlateReader> readers = OpenPlates(dir, 2, 3, pool);
  // P0 was closed for P1; it is rewritten with a fourth image.
  const PlateHeader header = TestHeader("P0", 6, 5);
  std::vector<ImageRecord> records(4, {"A01", 0, "DMSO", true});
  for (int i = 0; i < 4; ++i) records[i].site = i;
  std::filesystem::remove(dir + "/P0.h5");
  MICON_ASSERT_OK(testing::WriteTestPlate(dir + "/P0.h5", header, records));
  std::vector<uint16_t> pixels(header.pixels_per_image());
  EXPECT_THAT(readers[0].ReadImage(0, pixels.data()).message(),
              AllOf(HasSubstr(dir + "/P0.h5"),
                    HasSubstr("changed since it was opened")));
  ExpectReadsRight(readers[1], 2);  // the other plate is unaffected
}

TEST(PlateFilePool, AFileRemovedWhileClosedIsRefusedByName) {
  const std::string dir = ScratchDir();
  auto pool = std::make_shared<PlateFilePool>(1);
  std::vector<PlateReader> readers = OpenPlates(dir, 2, 1, pool);
  std::filesystem::remove(dir + "/P0.h5");
  std::vector<uint16_t> pixels(readers[0].metadata().header.pixels_per_image());
  EXPECT_THAT(readers[0].ReadImage(0, pixels.data()).message(),
              HasSubstr(dir + "/P0.h5"));
}

TEST(PlateFilePool, ConcurrentReadersEvictingEachOtherReadRight) {
  auto pool = std::make_shared<PlateFilePool>(2);
  const std::vector<PlateReader> readers = OpenPlates(ScratchDir(), 6, 4, pool);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 60; ++k) {
        const PlateReader& reader = readers[(t * 7 + k * 5) % readers.size()];
        ExpectReadsRight(reader, (t + k) % 4);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(pool->open_files(), 2);
  EXPECT_GT(pool->reopened(), 0);
}

}  // namespace
}  // namespace micon
