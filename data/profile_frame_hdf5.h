// profile_frame_hdf5.h: well profiles as one HDF5 file, for tools that want
// the feature matrix without parsing text.
//
//   MICON_RETURN_IF_ERROR(WriteProfileFrame(frame, "profiles.h5"));
//   MICON_ASSIGN_OR_RETURN(ProfileFrame back,
//                          ReadProfileFrameHdf5("profiles.h5"));
//
// Layout (h5py reads it with no micon code):
//   /features       float64 [rows, features]
//   /feature_names  string  [features]
//   /metadata/<Metadata_*>  string [rows], one dataset per metadata column;
//                   /metadata's string-array attribute `columns` keeps their
//                   order
//   pandas: pd.DataFrame(f["features"][:],
//                        columns=f["feature_names"].asstr()[:])
// Strings are variable-length UTF-8, as everywhere in micon's HDF5. Written
// to a temporary name and renamed, like every finished micon file.
#ifndef MICON_DATA_PROFILE_FRAME_HDF5_H_
#define MICON_DATA_PROFILE_FRAME_HDF5_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/profile_frame.h"
#include "data/profile_frame_writer.h"

namespace micon {

// The HDF5 writer (profile_frame_writer.h); ProfileFrameWriter::Open and
// WriteProfileFrame pick it for names ending in .h5 or .hdf5.
absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> OpenProfileFrameHdf5Writer(
    const std::string& path, const ProfileFrame& metadata, int64_t rows,
    std::vector<std::string> feature_names);

// Errors name the file and the field.
absl::StatusOr<ProfileFrame> ReadProfileFrameHdf5(
    const std::string& path, ProfileFrameRead what = ProfileFrameRead::kWhole);
// ReadProfileRows (profile_frame.h) for micon's profile HDF5: runs of
// consecutive rows are read as slabs of /features, so only those rows are
// read from disk.
absl::Status ReadProfileRowsHdf5(const std::string& path,
                                 const std::vector<std::string>& feature_names,
                                 int64_t file_rows,
                                 const std::vector<RowDestination>& rows);

// ReadProfileFeatureBlocks (profile_frame.h) for micon's profile HDF5: each
// block is one slab of /features.
absl::Status ReadProfileFeatureBlocksHdf5(
    const std::string& path, const std::vector<std::string>& feature_names,
    int64_t file_rows, int64_t block_rows, const FeatureBlockSink& on_block);

// True for names ending in .h5 or .hdf5 (ReadProfileFrame reads those here).
bool IsHdf5Path(const std::string& path);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_FRAME_HDF5_H_
