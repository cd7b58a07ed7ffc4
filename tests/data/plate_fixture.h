// plate_fixture.h: small plates and stores for data tests, valid or
// deliberately broken. Pixel values follow tests/python/plate_h5py.py's
// pixel_value() so Python can check them too.
#ifndef MICON_TESTS_DATA_PLATE_FIXTURE_H_
#define MICON_TESTS_DATA_PLATE_FIXTURE_H_

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "data/plate.h"

namespace micon::testing {

uint16_t PixelValue(int64_t image, int64_t channel, int64_t y, int64_t x,
                    int64_t width, int64_t modulus = 65536);
std::vector<uint16_t> TestImage(int64_t image, const PlateHeader& header);
PlateHeader TestHeader(const std::string& plate, int64_t height = 8,
                       int64_t width = 6);

// Writes a valid plate with PlateWriter, pixels from TestImage().
absl::Status WriteTestPlate(const std::string& path, const PlateHeader& header,
                            const std::vector<ImageRecord>& records);
// As WriteTestPlate, with pixel(image, index in the image's C*H*W values).
absl::Status WritePlateWithPixels(
    const std::string& path, const PlateHeader& header,
    const std::vector<ImageRecord>& records,
    const std::function<uint16_t(int64_t, int64_t)>& pixel);
// A valid store under `root`: compounds cpd-a, cpd-b; plates P1 (source s1) and
// P2 (s2).
absl::Status WriteTestStore(const std::string& root);

// A plate written field by field with HDF5's C API, so tests can omit or
// corrupt any field.
struct RawPlate {
  std::vector<hsize_t> image_dims = {2, 2, 4, 3};
  hid_t image_type = H5T_NATIVE_UINT16;
  bool with_images = true, with_well = true, with_site = true,
       with_compound = true, with_control = true;
  std::vector<std::string> wells = {"A01", "B01"};
  std::vector<int32_t> sites = {1, 1};
  std::vector<std::string> compounds = {"cpd-a", "DMSO"};
  std::vector<uint8_t> controls = {0, 1};
  std::map<std::string, std::string> attributes = {
      {"source", "s1"}, {"batch", "b1"}, {"plate", "RAW"}};
  std::vector<std::string> channels = {"DNA", "ER"};
};
absl::Status WriteRawPlate(const std::string& path, const RawPlate& spec);

}  // namespace micon::testing

#endif  // MICON_TESTS_DATA_PLATE_FIXTURE_H_
