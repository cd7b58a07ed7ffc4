// plate_reader.h: opens one plate file, validates every field, and reads images
// by index.
//
//   MICON_ASSIGN_OR_RETURN(PlateReader r, PlateReader::Open("ds/plates/P1.h5"));
//   std::vector<uint16_t> pixels(r.metadata().header.pixels_per_image());
//   MICON_RETURN_IF_ERROR(r.ReadImage(0, pixels.data()));
//
// Every error names the file and the field. uint8 images are widened to uint16
// on read. Damage is detected, not read as zeros: a file shorter than HDF5's
// end of allocation is refused at open and before every read (HDF5 itself fills
// reads past a truncated end with zeros), and images written with Fletcher-32
// chunk checksums (as PlateWriter writes them) fail their read when their bytes
// changed. Movable, not copyable. Debian's HDF5 is built thread-safe, so
// several threads may share one reader; their reads are serialised.
//
// A reader keeps its file open in a PlateFilePool: its own (one file) unless
// it is given one shared with other readers, which closes files for space and
// has the reader open them again, checked, when they are next read
// (plate_file_pool.h).
#ifndef MICON_DATA_PLATE_READER_H_
#define MICON_DATA_PLATE_READER_H_

#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "data/hdf5_id.h"
#include "data/plate.h"
#include "data/plate_file_pool.h"

namespace micon {

class PlateReader {
 public:
  // Opens `path` read-only and validates its structure (DESIGN.md §3). Pixels
  // are not read. `pool`: where the open file is kept (null: the reader's
  // own).
  static absl::StatusOr<PlateReader> Open(
      const std::string& path, std::shared_ptr<PlateFilePool> pool = nullptr);

  const PlateMetadata& metadata() const { return metadata_; }

  // Reads image `index` ([C, H, W], row-major) into `out`, which must hold
  // header.pixels_per_image() values.
  absl::Status ReadImage(int64_t index, uint16_t* out) const;

 private:
  PlateReader() = default;
  // Opens the file again after its pool closed it, refusing it if its layout
  // is not the one validated at Open.
  absl::StatusOr<OpenPlateFile> Reopen() const;

  PlateMetadata metadata_;
  uint64_t expected_size_ = 0;  // HDF5's end of allocation when opened
  std::shared_ptr<PlateFilePool> pool_;
};

// Reads and validates only the metadata of the plate at `path` (closes the file
// again).
absl::StatusOr<PlateMetadata> ReadPlateMetadata(const std::string& path);

// What every plate-shaped file shares (the plate store and the per-channel
// embedding store, DESIGN.md §8), for their readers; errors name the field,
// the caller adds the file.
// The source, batch, plate and channels attributes of `file` (channel names
// non-empty and unique).
absl::Status ReadHeaderAttributes(hid_t file, PlateHeader& header);
// /well, /site, /compound and /control, each `n` long (the length of the
// per-image dataset `sized_by`, e.g. "images"), into meta.images.
absl::Status ReadImageRecords(hid_t file, int64_t n,
                              const std::string& sized_by, PlateMetadata& meta);

}  // namespace micon

#endif  // MICON_DATA_PLATE_READER_H_
