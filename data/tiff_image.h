// tiff_image.h: one grey-scale microscopy TIFF (8- or 16-bit; uncompressed,
// LZW, deflate...).
//
//   MICON_ASSIGN_OR_RETURN(GrayImage dna,
//                          ReadGrayTiff("r01c01f01p01-ch5sk1fk1fl1.tiff"));
//   uint16_t first = dna.pixels[0];  // row-major, dna.height x dna.width
//
// Reads the first directory (page) with libtiff; striped and tiled layouts both
// work. libtiff's own messages are captured into the returned Status rather
// than printed.
#ifndef MICON_DATA_TIFF_IMAGE_H_
#define MICON_DATA_TIFF_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct GrayImage {
  int64_t height = 0;
  int64_t width = 0;
  int bits_per_sample = 16;
  std::vector<uint16_t>
      pixels;  // height * width, row-major; 8-bit input is widened
};

absl::StatusOr<GrayImage> ReadGrayTiff(const std::string& path);

}  // namespace micon

#endif  // MICON_DATA_TIFF_IMAGE_H_
