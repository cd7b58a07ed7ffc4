#include "data/plate.h"

#include <algorithm>

namespace micon {

const char* PixelTypeName(PixelType type) {
  return type == PixelType::kUint8 ? "uint8" : "uint16";
}

uint16_t PixelTypeMax(PixelType type) {
  return type == PixelType::kUint8 ? 255 : 65535;
}

int64_t PlateMetadata::num_controls() const {
  return std::count_if(images.begin(), images.end(),
                       [](const ImageRecord& r) { return r.control; });
}

}  // namespace micon
