// plate.h: what one plate file of the plate store holds (DESIGN.md §3), minus
// the pixels.
//
//   plates/<plate>.h5
//     /images    uint16|uint8 [N, C, H, W], one image per chunk
//     /well      string [N]      /site     int32 [N]
//     /compound  string [N]      /control  uint8 [N]  (1 = DMSO)
//     attrs on /: source, batch, plate (strings), channels (C strings)
#ifndef MICON_DATA_PLATE_H_
#define MICON_DATA_PLATE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace micon {

// The store's field names, in one place for the reader, the writer and the
// error messages.
namespace plate_fields {
inline constexpr char kImages[] = "images";
inline constexpr char kWell[] = "well";
inline constexpr char kSite[] = "site";
inline constexpr char kCompound[] = "compound";
inline constexpr char kControl[] = "control";
inline constexpr char kSource[] = "source";
inline constexpr char kBatch[] = "batch";
inline constexpr char kPlate[] = "plate";
inline constexpr char kChannels[] = "channels";
}  // namespace plate_fields

enum class PixelType { kUint8, kUint16 };
const char* PixelTypeName(PixelType type);
// The largest value a pixel of `type` can hold (255 or 65535).
uint16_t PixelTypeMax(PixelType type);

// The most pixels one field (one channel of one image) may have: far beyond a
// microscope field (16384 x 16384), so that a damaged header is refused before
// a reader allocates what it claims.
inline constexpr uint64_t kMaxPixelsPerField = uint64_t{1} << 28;

// Plate-level facts, fixed when a plate file is created.
struct PlateHeader {
  std::string source;
  std::string batch;
  std::string plate;
  std::vector<std::string> channels;  // C names, e.g. DNA, ER, RNA, AGP, Mito
  int64_t height = 0;
  int64_t width = 0;
  PixelType pixel_type = PixelType::kUint16;

  int64_t num_channels() const { return static_cast<int64_t>(channels.size()); }
  int64_t pixels_per_image() const { return num_channels() * height * width; }
};

// One image (field of view) of the plate.
struct ImageRecord {
  std::string well;
  int32_t site = 0;
  std::string compound;
  bool control = false;
};

// A plate's header and image index, as read from (or to be written to) one
// file.
struct PlateMetadata {
  std::string path;
  PlateHeader header;
  std::vector<ImageRecord> images;

  int64_t num_images() const { return static_cast<int64_t>(images.size()); }
  int64_t num_controls() const;
};

}  // namespace micon

#endif  // MICON_DATA_PLATE_H_
