// plate_writer.h: writes one plate file of the plate store (DESIGN.md §3).
//
//   MICON_ASSIGN_OR_RETURN(PlateWriter w,
//                          PlateWriter::Create("ds/plates/P1.h5", header, {}));
//   MICON_RETURN_IF_ERROR(w.Append({"B07", 1, "BRD-K1", false},
//                                  pixels));  // [C, H, W] uint16
//   MICON_RETURN_IF_ERROR(w.Finish());
//
// The file is built under "<path>.partial" and renamed into place by Finish(),
// so a crash or an error never leaves a half-written plate under the real name;
// an unfinished writer deletes its partial file. Strings are variable-length
// UTF-8 and images are chunked one image per chunk with a Fletcher-32 checksum
// per chunk (HDF5's standard filter, which h5py reads natively), so h5py and
// pandas read the result with no micon code and damaged pixels are detected.
#ifndef MICON_DATA_PLATE_WRITER_H_
#define MICON_DATA_PLATE_WRITER_H_

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/hdf5_id.h"
#include "data/hdf5_partial_file.h"
#include "data/plate.h"

namespace micon {

struct PlateWriterOptions {
  // gzip level 1-9 for /images (with byte shuffle), 0 = uncompressed (fastest
  // to read).
  int compression_level = 0;
  // Replace an existing file at the path instead of failing.
  bool overwrite = false;
};

class PlateWriter {
 public:
  static absl::StatusOr<PlateWriter> Create(const std::string& path,
                                            const PlateHeader& header,
                                            const PlateWriterOptions& options);
  PlateWriter(PlateWriter&& other) noexcept;
  PlateWriter& operator=(PlateWriter&&) = delete;
  PlateWriter(const PlateWriter&) = delete;
  PlateWriter& operator=(const PlateWriter&) = delete;
  // Unfinished: the temporary file is removed (hdf5_partial_file.h).
  ~PlateWriter() = default;

  // Appends one image of header.pixels_per_image() values laid out [C, H, W].
  absl::Status Append(const ImageRecord& record, const uint16_t* pixels);
  // Writes the per-image fields, closes and renames the file into place.
  absl::Status Finish();

  int64_t num_images() const { return static_cast<int64_t>(records_.size()); }

 private:
  PlateWriter(Hdf5PartialFile file, const PlateHeader& header);
  // Declared before the dataset: closed after it.
  Hdf5PartialFile file_;
  PlateHeader header_;
  std::vector<ImageRecord> records_;
  Hdf5Id images_;
  bool finished_ = false;
};

// What every plate-shaped file shares, for its writers (this one and the
// per-channel embedding store's); the counterparts of plate_reader.h's
// ReadHeaderAttributes and ReadImageRecords.
// The source, batch, plate and channels attributes.
absl::Status WriteHeaderAttributes(hid_t file, const PlateHeader& header);
// /well, /site, /compound and /control, one entry per image.
absl::Status WriteImageRecords(hid_t file,
                               const std::vector<ImageRecord>& images);

}  // namespace micon

#endif  // MICON_DATA_PLATE_WRITER_H_
