#include "tests/data/plate_fixture.h"

#include <filesystem>
#include <fstream>

#include "core/status_macros.h"
#include "data/hdf5_fields.h"
#include "data/plate_writer.h"

namespace micon::testing {

uint16_t PixelValue(int64_t image, int64_t channel, int64_t y, int64_t x,
                    int64_t width, int64_t modulus) {
  return static_cast<uint16_t>(
      (image * 7919 + channel * 104729 + y * width + x) % modulus);
}

std::vector<uint16_t> TestImage(int64_t image, const PlateHeader& h) {
  const int64_t modulus = int64_t{PixelTypeMax(h.pixel_type)} + 1;
  std::vector<uint16_t> pixels;
  pixels.reserve(h.pixels_per_image());
  for (int64_t c = 0; c < h.num_channels(); ++c) {
    for (int64_t y = 0; y < h.height; ++y) {
      for (int64_t x = 0; x < h.width; ++x) {
        pixels.push_back(PixelValue(image, c, y, x, h.width, modulus));
      }
    }
  }
  return pixels;
}

PlateHeader TestHeader(const std::string& plate, int64_t height,
                       int64_t width) {
  return PlateHeader{"s1",
                     "b1",
                     plate,
                     {"DNA", "ER", "RNA", "AGP", "Mito"},
                     height,
                     width,
                     PixelType::kUint16};
}

namespace {

// Appends image(i) for every record, then finishes the file.
absl::Status WritePlateImages(
    const std::string& path, const PlateHeader& header,
    const std::vector<ImageRecord>& records,
    const std::function<std::vector<uint16_t>(int64_t)>& image) {
  MICON_ASSIGN_OR_RETURN(PlateWriter writer,
                         PlateWriter::Create(path, header, {}));
  for (size_t i = 0; i < records.size(); ++i) {
    MICON_RETURN_IF_ERROR(writer.Append(records[i], image(i).data()));
  }
  return writer.Finish();
}

}  // namespace

absl::Status WriteTestPlate(const std::string& path, const PlateHeader& header,
                            const std::vector<ImageRecord>& records) {
  return WritePlateImages(path, header, records, [&header](int64_t i) {
    return TestImage(i, header);
  });
}

absl::Status WritePlateWithPixels(
    const std::string& path, const PlateHeader& header,
    const std::vector<ImageRecord>& records,
    const std::function<uint16_t(int64_t, int64_t)>& pixel) {
  return WritePlateImages(path, header, records, [&](int64_t i) {
    std::vector<uint16_t> pixels(
        static_cast<size_t>(header.pixels_per_image()));
    for (size_t p = 0; p < pixels.size(); ++p) pixels[p] = pixel(i, p);
    return pixels;
  });
}

absl::Status WriteTestStore(const std::string& root) {
  std::filesystem::create_directories(root + "/plates");
  std::ofstream(root + "/compounds.csv")
      << "compound_id,smiles,moa\n"
      << "cpd-a,CC(=O)Oc1ccccc1C(=O)O,\"COX inhibitor, irreversible\"\n"
      << "cpd-b,CN1C=NC2=C1C(=O)N(C(=O)N2C)C,adenosine antagonist\n";
  PlateHeader p1 = TestHeader("P1");
  MICON_RETURN_IF_ERROR(WriteTestPlate(root + "/plates/P1.h5", p1,
                                       {{"A01", 1, "cpd-a", false},
                                        {"A01", 2, "cpd-a", false},
                                        {"B01", 1, "DMSO", true},
                                        {"C01", 1, "cpd-b", false}}));
  PlateHeader p2 = TestHeader("P2");
  p2.source = "s2";
  p2.batch = "b2";
  return WriteTestPlate(root + "/plates/P2.h5", p2,
                        {{"A02", 1, "cpd-b", false}, {"H12", 1, "DMSO", true}});
}

absl::Status WriteRawPlate(const std::string& path, const RawPlate& spec) {
  QuietHdf5Errors();
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id file,
      Hdf5Call(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
               H5Fclose, path));
  const hid_t f = file.get();
  if (spec.with_images) {
    size_t count = 1;
    for (hsize_t d : spec.image_dims) count *= d;
    std::vector<unsigned char> zeros(count * H5Tget_size(spec.image_type) + 1,
                                     0);
    MICON_RETURN_IF_ERROR(WriteNumericDataset(f, "images", spec.image_type,
                                              spec.image_dims, zeros.data()));
  }
  if (spec.with_well)
    MICON_RETURN_IF_ERROR(WriteStringDataset(f, "well", spec.wells));
  if (spec.with_site) {
    MICON_RETURN_IF_ERROR(WriteNumericDataset(
        f, "site", H5T_NATIVE_INT32, {spec.sites.size()}, spec.sites.data()));
  }
  if (spec.with_compound)
    MICON_RETURN_IF_ERROR(WriteStringDataset(f, "compound", spec.compounds));
  if (spec.with_control) {
    MICON_RETURN_IF_ERROR(WriteNumericDataset(f, "control", H5T_NATIVE_UINT8,
                                              {spec.controls.size()},
                                              spec.controls.data()));
  }
  for (const auto& [name, value] : spec.attributes) {
    MICON_RETURN_IF_ERROR(WriteStringAttribute(f, name, value));
  }
  MICON_RETURN_IF_ERROR(
      WriteStringArrayAttribute(f, "channels", spec.channels));
  return file.Close();
}

}  // namespace micon::testing
