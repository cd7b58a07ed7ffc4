// micon convert under a real mpirun: each rank writes its share of the plates
// and rank 0 finishes the store, which then holds what one process writes
// (the same plates, fields, metadata and pixels, and the same compounds.csv);
// a rank that cannot read a TIFF fails the command with the file named, and
// the others say why they stopped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "data/plate_reader.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;

constexpr char kFields[] = "images_jump_cpjump1_BR00117006_A01_s1";

// Five plates of unequal size (1 to 3 wells of the JUMP-Target-1 platemap,
// always starting with its DMSO well A02, every field the same real CPJUMP1
// site); `missing` names a plate whose DNA file does not exist.
std::string WriteLoadData(const std::string& dir, const std::string& missing) {
  const std::string path = dir + "/load_data.csv";
  std::ofstream out(path);
  out << "Metadata_Plate,Metadata_Well,Metadata_Site,FileName_OrigDNA,"
         "PathName_OrigDNA,FileName_OrigRNA,PathName_OrigRNA,"
         "FileName_OrigAGP,PathName_OrigAGP\n";
  const std::string folder = SharedData(kFields);
  const char* wells[] = {"A02", "A01", "A03"};  // A02 is DMSO
  for (int p = 0; p < 5; ++p) {
    const std::string plate = absl::StrCat("P", p);
    for (int w = 0; w <= p % 3; ++w) {
      const std::string dna = plate == missing
                                  ? "no-such-field.tiff"
                                  : "r01c01f01p01-ch5sk1fk1fl1.tiff";
      out << plate << "," << wells[w] << ",1," << dna << "," << folder
          << ",r01c01f01p01-ch3sk1fk1fl1.tiff," << folder
          << ",r01c01f01p01-ch2sk1fk1fl1.tiff," << folder << "\n";
    }
  }
  return path;
}

std::string Convert(const std::string& load_data, const std::string& out) {
  return absl::StrCat(
      testing::MiconBinary(), " convert --load-data ", load_data,
      " --platemap ",
      SharedData("jump_target/JUMP-Target-1_compound_platemap.tsv"),
      " --compounds ",
      SharedData("jump_target/JUMP-Target-1_compound_metadata.tsv"),
      " --channels DNA,RNA,AGP --source source_4 --batch b1 -o ", out);
}

std::string Mpirun(int np) {
  return absl::StrCat(MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS, " -np ", np, " ");
}

void ExpectSamePlate(const std::string& want_path,
                     const std::string& got_path) {
  absl::StatusOr<PlateReader> want = PlateReader::Open(want_path);
  absl::StatusOr<PlateReader> got = PlateReader::Open(got_path);
  ASSERT_TRUE(want.ok() && got.ok()) << got_path;
  const PlateMetadata& a = want->metadata();
  const PlateMetadata& b = got->metadata();
  EXPECT_EQ(a.header.source, b.header.source);
  EXPECT_EQ(a.header.batch, b.header.batch);
  EXPECT_EQ(a.header.channels, b.header.channels);
  ASSERT_EQ(a.num_images(), b.num_images()) << got_path;
  const int64_t pixels = a.header.pixels_per_image();
  std::vector<uint16_t> x(static_cast<size_t>(pixels)), y(x.size());
  for (int64_t i = 0; i < a.num_images(); ++i) {
    EXPECT_EQ(a.images[i].well, b.images[i].well);
    EXPECT_EQ(a.images[i].compound, b.images[i].compound);
    EXPECT_EQ(a.images[i].control, b.images[i].control);
    ASSERT_TRUE(want->ReadImage(i, x.data()).ok());
    ASSERT_TRUE(got->ReadImage(i, y.data()).ok());
    EXPECT_EQ(x, y) << got_path << " image " << i;
  }
}

TEST(ConvertMpi, RanksWriteTheStoreOneProcessWrites) {
  const std::string dir = ScratchDir();
  const std::string load_data = WriteLoadData(dir, "");
  testing::CommandResult r = RunCommand(Convert(load_data, dir + "/one"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const int np : {2, 3}) {
    const std::string out = absl::StrCat(dir, "/np", np);
    r = RunCommand(Mpirun(np) + Convert(load_data, out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(absl::StrCat("wrote 5 plate(s), 9 image(s)")),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find(absl::StrCat("on ", np, " ranks")),
              std::string::npos)
        << r.output;
    EXPECT_EQ(testing::FileBytes(out + "/compounds.csv"),
              testing::FileBytes(dir + "/one/compounds.csv"));
    for (int p = 0; p < 5; ++p) {
      const std::string plate = absl::StrCat("/plates/P", p, ".h5");
      ExpectSamePlate(dir + "/one" + plate, out + plate);
    }
  }
}

TEST(ConvertMpi, ARankThatCannotReadATiffFailsTheCommand) {
  const std::string dir = ScratchDir();
  const std::string load_data = WriteLoadData(dir, "P2");
  const testing::CommandResult r =
      RunCommand(Mpirun(2) + Convert(load_data, dir + "/out"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no-such-field.tiff"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("other rank(s) failed"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/out/compounds.csv"));
}

}  // namespace
}  // namespace micon
