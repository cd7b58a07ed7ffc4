#include "data/data_quality.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "data/normalized_plate.h"
#include "data/plate_reader.h"
#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Severity = QualityFinding::Severity;

// Pixel (image, channel, index) -> value.
using PixelFn = std::function<uint16_t(int64_t, int64_t, int64_t)>;

// A 2-channel 8x8 plate: images 0-3 treated (cpd-a in A01, A02), 4-5 DMSO.
PlateMetadata WritePlate(const std::string& path, const PixelFn& pixel) {
  PlateHeader h = testing::TestHeader("P1", 8, 8);
  h.channels = {"DNA", "Mito"};
  const absl::Status written =
      testing::WritePlateWithPixels(path, h,
                                    {{"A01", 1, "cpd-a", false},
                                     {"A01", 2, "cpd-a", false},
                                     {"A02", 1, "cpd-a", false},
                                     {"A02", 2, "cpd-a", false},
                                     {"B01", 1, "DMSO", true},
                                     {"B02", 1, "DMSO", true}},
                                    [&pixel](int64_t image, int64_t p) {
                                      return pixel(image, p / 64, p % 64);
                                    });
  EXPECT_TRUE(written.ok()) << written;
  absl::StatusOr<PlateReader> reader = PlateReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  return reader->metadata();
}

uint16_t Textured(int64_t image, int64_t channel, int64_t p) {
  return static_cast<uint16_t>(1000 + 37 * image + 500 * channel + 11 * p);
}

std::vector<std::string> Messages(const std::vector<QualityFinding>& f,
                                  Severity severity) {
  std::vector<std::string> out;
  for (const QualityFinding& x : f) {
    if (x.severity == severity) out.push_back(x.message);
  }
  return out;
}

TEST(DataQuality, AHealthyPlateHasNoFindings) {
  const PlateMetadata plate = WritePlate(ScratchDir() + "/P1.h5", Textured);
  MICON_ASSERT_OK_AND_ASSIGN(auto findings, CheckPlatePixels(plate));
  EXPECT_THAT(findings, IsEmpty());
  EXPECT_FALSE(AnyFatal(findings, /*strict=*/true));
}

// The camera failed: every pixel of every image is 0. Before these checks
// it trained without a word.
TEST(DataQuality, ABlankPlateIsAnErrorEverywhere) {
  const PlateMetadata plate = WritePlate(
      ScratchDir() + "/P1.h5", [](int64_t, int64_t, int64_t) { return 0; });
  MICON_ASSERT_OK_AND_ASSIGN(auto findings, CheckPlatePixels(plate));
  EXPECT_THAT(
      Messages(findings, Severity::kError),
      ElementsAre(AllOf(HasSubstr(plate.path + ": channel DNA: blank (6)"),
                        HasSubstr("in all 6 images")),
                  HasSubstr(plate.path + ": channel Mito: blank (6)")));
  EXPECT_TRUE(AnyFatal(findings, /*strict=*/false));
  // Training and embedding normalise through NormalizedPlate: refused.
  const absl::Status opened = NormalizedPlate::Open(plate.path, 16).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(opened)) << opened;
  EXPECT_THAT(opened.message(),
              AllOf(HasSubstr(plate.path), HasSubstr("the 2 control (DMSO)"),
                    HasSubstr("DNA (std 0)"), HasSubstr("Mito (std 0)"),
                    HasSubstr("degenerate")));
}

// Only the controls are flat in one channel: the images are fine, the DMSO
// statistics are not.
TEST(DataQuality, DegenerateControlStatisticsAreAnError) {
  const PlateMetadata plate = WritePlate(
      ScratchDir() + "/P1.h5", [](int64_t image, int64_t channel, int64_t p) {
        return image >= 4 && channel == 1 ? uint16_t{700}
                                          : Textured(image, channel, p);
      });
  MICON_ASSERT_OK_AND_ASSIGN(auto findings, CheckPlatePixels(plate));
  EXPECT_THAT(Messages(findings, Severity::kError),
              ElementsAre(AllOf(HasSubstr("Mito (std 0)"),
                                Not(HasSubstr("DNA (std")))));
  EXPECT_THAT(Messages(findings, Severity::kWarning),
              ElementsAre(HasSubstr("channel Mito: 2 of 6 images constant "
                                    "(one value), first well B01 site 1")));
  EXPECT_FALSE(NormalizedPlate::Open(plate.path, 16).ok());
}

TEST(DataQuality, BlankAndSaturatedImagesAreWarnings) {
  const PlateMetadata plate = WritePlate(
      ScratchDir() + "/P1.h5", [](int64_t image, int64_t channel, int64_t p) {
        if (image == 1 && channel == 0) return uint16_t{0};
        // Image 2: 2 of 64 Mito pixels at the maximum (3%); image 3: 1 (1.6%
        // but over 1%); image 0: none.
        if (channel == 1 && ((image == 2 && p < 2) || (image == 3 && p == 5)))
          return uint16_t{65535};
        return Textured(image, channel, p);
      });
  MICON_ASSERT_OK_AND_ASSIGN(auto findings, CheckPlatePixels(plate));
  EXPECT_THAT(Messages(findings, Severity::kError), IsEmpty());
  EXPECT_THAT(
      Messages(findings, Severity::kWarning),
      ElementsAre(
          HasSubstr("channel DNA: 1 of 6 images blank (every pixel 0), first "
                    "well A01 site 2"),
          HasSubstr("channel Mito: 2 of 6 images saturated (over 1% of pixels "
                    "at 65535), first well A02 site 1")));
  EXPECT_FALSE(AnyFatal(findings, /*strict=*/false));
  EXPECT_TRUE(AnyFatal(findings, /*strict=*/true));
  // A higher limit lets both through.
  MICON_ASSERT_OK_AND_ASSIGN(auto lenient, CheckPlatePixels(plate, {0.05}));
  EXPECT_EQ(Messages(lenient, Severity::kWarning).size(), 1u);
}

TEST(DataQuality, CompoundsInASingleWellAreNamed) {
  PlateMetadata p1, p2;
  p1.header.plate = "P1";
  p1.images = {{"A01", 1, "cpd-a", false},
               {"A01", 2, "cpd-a", false},
               {"B01", 1, "cpd-b", false},
               {"C01", 1, "DMSO", true}};
  p2.header.plate = "P2";
  p2.images = {{"A01", 1, "cpd-b", false}, {"D01", 1, "cpd-c", false}};
  const std::vector<QualityFinding> findings = CheckReplicateWells({p1, p2});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_THAT(findings[0].message,
              AllOf(HasSubstr("2 of 3 compound(s) in a single well of the 2 "
                              "plate(s)"),
                    HasSubstr("cpd-a (plate P1 well A01), cpd-c (plate P2 "
                              "well D01)"),
                    Not(HasSubstr("cpd-b")), Not(HasSubstr("DMSO"))));
  p2.images.push_back({"D02", 1, "cpd-c", false});
  p1.images.push_back({"A02", 1, "cpd-a", false});
  EXPECT_THAT(CheckReplicateWells({p1, p2}), IsEmpty());
}

}  // namespace
}  // namespace micon
