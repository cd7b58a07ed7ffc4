// Plate files: writer/reader round trips and every per-file validation error.
#include "data/plate_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/hdf5_fields.h"
#include "data/plate_writer.h"
#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RawPlate;
using ::micon::testing::ScratchDir;
using ::micon::testing::TestHeader;
using ::micon::testing::TestImage;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(PlateReader, RoundTripsEveryFieldAndPixel) {
  const std::string path = ScratchDir() + "/P1.h5";
  const PlateHeader header = TestHeader("P1", 9, 7);
  const std::vector<ImageRecord> records = {{"A01", 1, "cpd-a", false},
                                            {"A01", 2, "cpd-a", false},
                                            {"P24", 0, "DMSO", true}};
  MICON_ASSERT_OK(testing::WriteTestPlate(path, header, records));

  MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader, PlateReader::Open(path));
  const PlateMetadata& m = reader.metadata();
  EXPECT_EQ(m.header.source, "s1");
  EXPECT_EQ(m.header.batch, "b1");
  EXPECT_EQ(m.header.plate, "P1");
  EXPECT_EQ(m.header.channels, header.channels);
  EXPECT_EQ(m.header.height, 9);
  EXPECT_EQ(m.header.width, 7);
  EXPECT_EQ(m.header.pixel_type, PixelType::kUint16);
  ASSERT_EQ(m.num_images(), 3);
  EXPECT_EQ(m.num_controls(), 1);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(m.images[i].well, records[i].well);
    EXPECT_EQ(m.images[i].site, records[i].site);
    EXPECT_EQ(m.images[i].compound, records[i].compound);
    EXPECT_EQ(m.images[i].control, records[i].control);
    std::vector<uint16_t> pixels(header.pixels_per_image());
    MICON_ASSERT_OK(reader.ReadImage(i, pixels.data()));
    EXPECT_EQ(pixels, TestImage(i, header)) << "image " << i;
  }
  std::vector<uint16_t> pixels(header.pixels_per_image());
  EXPECT_THAT(reader.ReadImage(3, pixels.data()).message(),
              AllOf(HasSubstr(path), HasSubstr("outside [0, 3)")));
}

TEST(PlateReader, Uint8PlatesWidenOnReadAndRejectLargeValues) {
  const std::string dir = ScratchDir();
  PlateHeader header = TestHeader("P8");
  header.pixel_type = PixelType::kUint8;
  MICON_ASSERT_OK(testing::WriteTestPlate(
      dir + "/P8.h5", header,
      {{"A01", 1, "cpd-a", false}, {"B01", 1, "DMSO", true}}));
  MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader,
                             PlateReader::Open(dir + "/P8.h5"));
  EXPECT_EQ(reader.metadata().header.pixel_type, PixelType::kUint8);
  std::vector<uint16_t> pixels(header.pixels_per_image());
  MICON_ASSERT_OK(reader.ReadImage(1, pixels.data()));
  EXPECT_EQ(pixels, TestImage(1, header));

  MICON_ASSERT_OK_AND_ASSIGN(PlateWriter writer,
                             PlateWriter::Create(dir + "/big.h5", header, {}));
  std::vector<uint16_t> too_bright(header.pixels_per_image(), 256);
  EXPECT_THAT(
      writer.Append({"A01", 1, "cpd-a", false}, too_bright.data()).message(),
      HasSubstr("above 255"));
}

TEST(PlateWriter, CompressedPlatesReadBackExactly) {
  const std::string path = ScratchDir() + "/PZ.h5";
  const PlateHeader header = TestHeader("PZ", 16, 16);
  MICON_ASSERT_OK_AND_ASSIGN(PlateWriter writer,
                             PlateWriter::Create(path, header, {6, false}));
  MICON_ASSERT_OK(
      writer.Append({"A01", 1, "DMSO", true}, TestImage(0, header).data()));
  MICON_ASSERT_OK(writer.Finish());
  MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader, PlateReader::Open(path));
  std::vector<uint16_t> pixels(header.pixels_per_image());
  MICON_ASSERT_OK(reader.ReadImage(0, pixels.data()));
  EXPECT_EQ(pixels, TestImage(0, header));
}

TEST(PlateWriter, NeverLeavesAHalfWrittenPlateUnderTheRealName) {
  const std::string dir = ScratchDir();
  const PlateHeader header = TestHeader("P1");
  {
    MICON_ASSERT_OK_AND_ASSIGN(PlateWriter writer,
                               PlateWriter::Create(dir + "/P1.h5", header, {}));
    MICON_ASSERT_OK(
        writer.Append({"A01", 1, "DMSO", true}, TestImage(0, header).data()));
    EXPECT_TRUE(std::filesystem::exists(dir + "/P1.h5.partial"));
    EXPECT_FALSE(std::filesystem::exists(dir + "/P1.h5"));
  }  // abandoned without Finish()
  EXPECT_FALSE(std::filesystem::exists(dir + "/P1.h5.partial"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/P1.h5"));

  MICON_ASSERT_OK_AND_ASSIGN(PlateWriter empty,
                             PlateWriter::Create(dir + "/P1.h5", header, {}));
  EXPECT_THAT(empty.Finish().message(), HasSubstr("empty plate"));

  MICON_ASSERT_OK(testing::WriteTestPlate(dir + "/P2.h5", header,
                                          {{"A01", 1, "DMSO", true}}));
  EXPECT_EQ(PlateWriter::Create(dir + "/P2.h5", header, {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  MICON_ASSERT_OK(
      PlateWriter::Create(dir + "/P2.h5", header, {0, true}).status());
}

// Each malformed file must be rejected with an error naming the file and the
// field.
struct BrokenPlateCase {
  std::string name;
  void (*breaks)(RawPlate&);
  std::string field;   // must appear in the message
  std::string reason;  // must appear in the message
};

class BrokenPlate : public ::testing::TestWithParam<BrokenPlateCase> {};

TEST_P(BrokenPlate, IsRejectedNamingFileAndField) {
  RawPlate spec;
  GetParam().breaks(spec);
  const std::string path = ScratchDir() + "/RAW.h5";
  MICON_ASSERT_OK(testing::WriteRawPlate(path, spec));
  absl::StatusOr<PlateReader> reader = PlateReader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(),
              AllOf(HasSubstr(path), HasSubstr(GetParam().field),
                    HasSubstr(GetParam().reason)));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, BrokenPlate,
    ::testing::Values(
        BrokenPlateCase{"MissingImages",
                        [](RawPlate& p) { p.with_images = false; }, "/images",
                        "missing"},
        BrokenPlateCase{"MissingWell", [](RawPlate& p) { p.with_well = false; },
                        "/well", "missing"},
        BrokenPlateCase{"MissingSite", [](RawPlate& p) { p.with_site = false; },
                        "/site", "missing"},
        BrokenPlateCase{"MissingCompound",
                        [](RawPlate& p) { p.with_compound = false; },
                        "/compound", "missing"},
        BrokenPlateCase{"MissingControl",
                        [](RawPlate& p) { p.with_control = false; }, "/control",
                        "missing"},
        BrokenPlateCase{"MissingSource",
                        [](RawPlate& p) { p.attributes.erase("source"); },
                        "attribute source", "missing"},
        BrokenPlateCase{"FloatImages",
                        [](RawPlate& p) { p.image_type = H5T_NATIVE_FLOAT; },
                        "/images", "expected uint16 or uint8"},
        BrokenPlateCase{"SignedImages",
                        [](RawPlate& p) { p.image_type = H5T_NATIVE_INT16; },
                        "/images", "expected uint16 or uint8"},
        BrokenPlateCase{"ImagesRank3",
                        [](RawPlate& p) {
                          p.image_dims = {2, 4, 3};
                        },
                        "/images", "rank 3"},
        BrokenPlateCase{"EmptyPlate",
                        [](RawPlate& p) {
                          p.image_dims[0] = 0;
                          p.wells = p.compounds = {};
                          p.sites = {};
                          p.controls = {};
                        },
                        "/images", "empty plate"},
        BrokenPlateCase{"ChannelCountMismatch",
                        [](RawPlate& p) { p.channels = {"DNA"}; }, "/images",
                        "channels"},
        BrokenPlateCase{"DuplicateChannelNames",
                        [](RawPlate& p) {
                          p.channels = {"DNA", "DNA"};
                        },
                        "attribute channels", "unique"},
        BrokenPlateCase{"ShortSite", [](RawPlate& p) { p.sites = {1}; },
                        "/site", "has 1 entries but /images has 2"},
        BrokenPlateCase{"ControlNotBoolean",
                        [](RawPlate& p) {
                          p.controls = {0, 2};
                        },
                        "/control", "expected 0 or 1"},
        BrokenPlateCase{"EmptyWellName",
                        [](RawPlate& p) {
                          p.wells = {"A01", ""};
                        },
                        "/well", "entry 1 is empty"}),
    [](const auto& info) { return info.param.name; });

TEST(PlateReader, WrongTypesForMetadataAreNamed) {
  const std::string path = ScratchDir() + "/RAW.h5";
  RawPlate spec;
  spec.with_site = false;
  MICON_ASSERT_OK(testing::WriteRawPlate(path, spec));
  {  // /site stored as strings
    Hdf5Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    MICON_ASSERT_OK(WriteStringDataset(file.get(), "site", {"1", "2"}));
  }
  EXPECT_THAT(PlateReader::Open(path).status().message(),
              AllOf(HasSubstr(path), HasSubstr("/site"),
                    HasSubstr("expected integers")));
}

TEST(PlateReader, UnreadableAndTruncatedFilesAreNamed) {
  const std::string dir = ScratchDir();
  EXPECT_THAT(PlateReader::Open(dir + "/absent.h5").status().message(),
              AllOf(HasSubstr(dir + "/absent.h5"), HasSubstr("no such")));
  std::ofstream(dir + "/text.h5") << "this is not HDF5\n";
  EXPECT_THAT(
      PlateReader::Open(dir + "/text.h5").status().message(),
      AllOf(HasSubstr(dir + "/text.h5"), HasSubstr("not an HDF5 file")));

  const PlateHeader header = TestHeader("P1", 64, 64);
  std::vector<ImageRecord> records(6, {"A01", 1, "DMSO", true});
  for (size_t i = 0; i < records.size(); ++i)
    records[i].site = static_cast<int32_t>(i);
  MICON_ASSERT_OK(testing::WriteTestPlate(dir + "/P1.h5", header, records));
  const auto size = std::filesystem::file_size(dir + "/P1.h5");
  std::filesystem::resize_file(dir + "/P1.h5", size / 2);
  // Cut in half, the file loses its metadata (written last) and part of its
  // pixels: either the open or the read of a lost image must fail, and say
  // which file.
  absl::StatusOr<PlateReader> reader = PlateReader::Open(dir + "/P1.h5");
  absl::Status status = reader.status();
  if (reader.ok()) {
    std::vector<uint16_t> pixels(header.pixels_per_image());
    status = reader->ReadImage(5, pixels.data());
  }
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(dir + "/P1.h5"));
}

TEST(PlateReader, CorruptedPixelsFailTheirChecksum) {
  const std::string path = ScratchDir() + "/P1.h5";
  const PlateHeader header = TestHeader("P1", 64, 64);
  std::vector<ImageRecord> records(4, {"A01", 0, "DMSO", true});
  for (size_t i = 0; i < records.size(); ++i)
    records[i].site = static_cast<int32_t>(i);
  MICON_ASSERT_OK(testing::WriteTestPlate(path, header, records));
  {  // flip bytes in the middle of the file, where the image chunks are
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const auto size = std::filesystem::file_size(path);
    for (auto offset : {size / 3, size / 2}) {
      f.seekg(offset);
      char c = 0;
      f.read(&c, 1);
      f.seekp(offset);
      c = static_cast<char>(~c);
      f.write(&c, 1);
    }
  }
  absl::StatusOr<PlateReader> reader = PlateReader::Open(path);
  absl::Status failure = reader.status();
  std::vector<uint16_t> pixels(header.pixels_per_image());
  for (int64_t i = 0; reader.ok() && failure.ok() && i < 4; ++i) {
    failure = reader->ReadImage(i, pixels.data());
  }
  ASSERT_FALSE(failure.ok()) << "corrupted pixels were read without an error";
  EXPECT_THAT(failure.message(), HasSubstr(path));
}

}  // namespace
}  // namespace micon
