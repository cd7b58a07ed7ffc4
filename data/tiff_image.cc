#include "data/tiff_image.h"

#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "data/plate.h"

namespace micon {
namespace {

int CaptureError(TIFF*, void* user_data, const char* module, const char* fmt,
                 va_list ap) {
  char buffer[512];
  std::vsnprintf(buffer, sizeof(buffer), fmt, ap);
  auto* out = static_cast<std::string*>(user_data);
  if (out->empty())
    *out = absl::StrCat(module ? module : "libtiff", ": ", buffer);
  return 1;  // handled: do not also print through the global handler
}

int IgnoreWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

template <typename Sample>
void Widen(const unsigned char* raw, int64_t count, uint16_t* out) {
  const Sample* s = reinterpret_cast<const Sample*>(raw);
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<uint16_t>(s[i]);
}

}  // namespace

absl::StatusOr<GrayImage> ReadGrayTiff(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return absl::NotFoundError(path + ": no such file");
  std::string error;
  std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> options(
      TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), CaptureError, &error);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), IgnoreWarning, nullptr);
  std::unique_ptr<TIFF, void (*)(TIFF*)> tif(
      TIFFOpenExt(path.c_str(), "r", options.get()), TIFFClose);
  if (!tif)
    return absl::DataLossError(
        absl::StrCat(path, ": not a readable TIFF (", error, ")"));

  uint32_t width = 0, height = 0;
  uint16_t bits = 0, samples = 1, format = SAMPLEFORMAT_UINT;
  TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLEFORMAT, &format);
  if (width == 0 || height == 0)
    return absl::DataLossError(path + ": TIFF has no image size");
  if (samples != 1 || (bits != 8 && bits != 16) ||
      format != SAMPLEFORMAT_UINT) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": expected a grey-scale 8- or 16-bit unsigned TIFF, found ",
        samples, " sample(s) per pixel of ", bits, " bits (sample format ",
        format, ")"));
  }
  // The header's size is checked before it is allocated: a damaged one must
  // not ask for gigabytes.
  if (static_cast<uint64_t>(width) * height > kMaxPixelsPerField) {
    return absl::DataLossError(absl::StrCat(
        path, ": TIFF claims ", width, " x ", height,
        " pixels, more than a field can have (", kMaxPixelsPerField, ")"));
  }
  GrayImage image;
  image.height = height;
  image.width = width;
  image.bits_per_sample = bits;
  image.pixels.resize(static_cast<size_t>(width) * height);
  const int bytes = bits / 8;
  auto widen = [&](const unsigned char* raw, int64_t count, uint16_t* out) {
    bytes == 1 ? Widen<uint8_t>(raw, count, out)
               : Widen<uint16_t>(raw, count, out);
  };

  if (TIFFIsTiled(tif.get())) {
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif.get(), TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif.get(), TIFFTAG_TILELENGTH, &th);
    std::vector<unsigned char> tile(TIFFTileSize(tif.get()));
    std::vector<uint16_t> wide(static_cast<size_t>(tw) * th);
    for (uint32_t y = 0; y < height; y += th) {
      for (uint32_t x = 0; x < width; x += tw) {
        if (TIFFReadTile(tif.get(), tile.data(), x, y, 0, 0) < 0) {
          return absl::DataLossError(absl::StrCat(
              path, ": cannot read tile at (", x, ",", y, "): ", error));
        }
        widen(tile.data(), static_cast<int64_t>(tw) * th, wide.data());
        for (uint32_t r = 0; r < th && y + r < height; ++r) {
          for (uint32_t c = 0; c < tw && x + c < width; ++c) {
            image.pixels[static_cast<size_t>(y + r) * width + x + c] =
                wide[r * tw + c];
          }
        }
      }
    }
  } else {
    std::vector<unsigned char> line(TIFFScanlineSize(tif.get()));
    for (uint32_t y = 0; y < height; ++y) {
      if (TIFFReadScanline(tif.get(), line.data(), y, 0) < 0) {
        return absl::DataLossError(
            absl::StrCat(path, ": cannot read row ", y, ": ", error));
      }
      widen(line.data(), width,
            image.pixels.data() + static_cast<size_t>(y) * width);
    }
  }
  return image;
}

}  // namespace micon
