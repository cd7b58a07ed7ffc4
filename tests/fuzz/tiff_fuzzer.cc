// TIFF decoding (data/tiff_image.h, over libtiff).
#include "data/tiff_image.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)micon::ReadGrayTiff(micon::fuzz::InputFile(data, size, ".tiff"));
  return 0;
}
