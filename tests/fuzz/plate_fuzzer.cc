// Plate HDF5 files (data/plate_reader.h, over the HDF5 C library): the
// metadata, then the first image, as training reads them.
#include <vector>

#include "data/plate_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = micon::fuzz::InputFile(data, size, ".h5");
  absl::StatusOr<micon::PlateReader> reader = micon::PlateReader::Open(path);
  if (!reader.ok() || reader->metadata().images.empty()) return 0;
  std::vector<uint16_t> pixels(
      static_cast<size_t>(reader->metadata().header.pixels_per_image()));
  (void)reader->ReadImage(0, pixels.data());
  return 0;
}
