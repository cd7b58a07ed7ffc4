// The plate store is a public format: h5py writes what micon reads, and the
// reverse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/plate_reader.h"
#include "data/plate_store.h"
#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::PythonScript;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::HasSubstr;

// Expected pixels of an h5py-written plate (plate_h5py.py's pixel_value()).
std::vector<uint16_t> H5pyImage(int64_t i, const PlateHeader& h,
                                int64_t modulus) {
  std::vector<uint16_t> out;
  for (int64_t c = 0; c < h.num_channels(); ++c)
    for (int64_t y = 0; y < h.height; ++y)
      for (int64_t x = 0; x < h.width; ++x)
        out.push_back(testing::PixelValue(i, c, y, x, h.width, modulus));
  return out;
}

TEST(H5pyInterop, MiconReadsStoresWrittenByH5py) {
  const std::string root = ScratchDir();
  const testing::CommandResult wrote =
      RunCommand(PythonScript("plate_h5py.py") + " write " + root);
  ASSERT_EQ(wrote.exit_code, 0) << wrote.output;

  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(root));
  ASSERT_EQ(store.plates.size(), 2u);
  const PlateMetadata& a =
      store.plates[0];  // vlen UTF-8 strings, int32, uint8 control
  const PlateMetadata& b =
      store.plates[1];  // fixed bytes, int64 site, bool enum, uint8 pixels
  EXPECT_EQ(a.header.source, "source_1");
  EXPECT_EQ(b.header.source, "source_2");
  EXPECT_EQ(b.header.channels,
            (std::vector<std::string>{"DNA", "ER", "RNA", "AGP", "Mito"}));
  EXPECT_EQ(a.header.pixel_type, PixelType::kUint16);
  EXPECT_EQ(b.header.pixel_type, PixelType::kUint8);
  EXPECT_EQ(a.images[2].compound, "DMSO");
  EXPECT_TRUE(a.images[2].control);
  EXPECT_EQ(a.images[1].site, 2);
  EXPECT_EQ(b.images[0].well, "A01");
  EXPECT_EQ(b.images[2].site, 1);
  EXPECT_TRUE(b.images[1].control);
  EXPECT_FALSE(b.images[3].control);

  for (const auto& [plate, modulus] :
       {std::pair{&a, 65536}, std::pair{&b, 256}}) {
    MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader,
                               PlateReader::Open(plate->path));
    std::vector<uint16_t> pixels(plate->header.pixels_per_image());
    for (int64_t i = 0; i < plate->num_images(); ++i) {
      MICON_ASSERT_OK(reader.ReadImage(i, pixels.data()));
      EXPECT_EQ(pixels, H5pyImage(i, plate->header, modulus))
          << plate->path << " image " << i;
    }
  }
}

TEST(H5pyInterop, H5pyAndPandasReadPlatesWrittenByMicon) {
  const std::string path = ScratchDir() + "/P1.h5";
  MICON_ASSERT_OK(testing::WriteTestPlate(
      path, testing::TestHeader("P1", 5, 4),
      {{"A01", 1, "cpd-a", false}, {"B07", 3, "DMSO", true}}));
  const testing::CommandResult read =
      RunCommand(PythonScript("plate_h5py.py") + " check " + path);
  ASSERT_EQ(read.exit_code, 0) << read.output;
  EXPECT_THAT(read.output, HasSubstr("attrs s1 b1 P1 DNA,ER,RNA,AGP,Mito"));
  EXPECT_THAT(read.output, HasSubstr("row A01 1 cpd-a 0"));
  EXPECT_THAT(read.output, HasSubstr("row B07 3 DMSO 1"));
  EXPECT_THAT(read.output, HasSubstr("OK"));
}

}  // namespace
}  // namespace micon
