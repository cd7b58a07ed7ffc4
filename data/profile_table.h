// profile_table.h: a table of profiles (one feature vector per well or image)
// as the trainer's second kind of input.
//
//   MICON_ASSIGN_OR_RETURN(ProfileTable t, ReadProfileTable("p.csv.gz"));
//   t.plates[p].images[i]  <->  row i of t.features[p]
//
//   // A training rank: the index, then its own plates' features only.
//   MICON_ASSIGN_OR_RETURN(ProfileTable t, ReadProfileTableIndex("p.h5"));
//   MICON_RETURN_IF_ERROR(ReadPlateFeatures(my_plates, t));
//
// The columns are the ones pycytominer and copairs use and `micon embed`
// writes: Metadata_Source, Metadata_Batch, Metadata_Plate, Metadata_Well,
// Metadata_Compound, Metadata_SMILES, Metadata_Control (1/0/true/false), then
// features: every column not starting with "Metadata_". Rows are grouped into
// plates by Metadata_Plate, so the plate sharding and batch sampling of image
// datasets apply unchanged. The compound table comes from the treated rows'
// (Metadata_Compound, Metadata_SMILES); one compound with two SMILES, a missing
// or non-numeric feature value, a plate without controls or a repeated
// (plate, well, site) is an error naming the file, line and column.
// The file is read by ReadProfileFrame (profile_frame.h), the reader
// evaluation uses, so both accept the same files (CSV, TSV, gzip, HDF5).
#ifndef MICON_DATA_PROFILE_TABLE_H_
#define MICON_DATA_PROFILE_TABLE_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/compound_table.h"
#include "data/plate.h"
#include "data/profile_frame.h"

namespace micon {

struct ProfileTable {
  std::string path;
  std::vector<std::string> feature_names;
  std::vector<PlateMetadata> plates;  // sorted by plate name; path = the file
  // Per plate: [rows, features] float32; undefined for a plate whose
  // features have not been read (ReadProfileTableIndex, ReadPlateFeatures).
  std::vector<at::Tensor> features;
  // Per plate: its rows' data-row numbers in the file (0-based, increasing),
  // the order of plates[p].images.
  std::vector<std::vector<int64_t>> file_rows;
  int64_t rows_in_file = 0;
  // Every metadata column of the file, in file order (ReadOtherMetadata reads
  // the values of those the table does not use).
  std::vector<std::string> metadata_names;
  CompoundTable compounds;
};

// The whole table, every plate's features read.
absl::StatusOr<ProfileTable> ReadProfileTable(const std::string& path);
// The table's plates, compounds and feature names, with every check of
// ReadProfileTable but no feature values (ProfileFrameRead::kIndex). A
// training rank reads this, shards the plates, then reads the features of
// its own with ReadPlateFeatures: it never holds the other ranks' rows.
absl::StatusOr<ProfileTable> ReadProfileTableIndex(const std::string& path);
// Reads the features of `plates` (indices into table.plates) from
// table.path into table.features, skipping plates already read. Each costs
// its float32 rows and nothing more; a value that is not a finite number, or
// a file changed since its index was read, is an error naming the file.
absl::Status ReadPlateFeatures(const std::vector<size_t>& plates,
                               ProfileTable& table);
// Every plate's index, 0 … plates.size() - 1: ReadPlateFeatures' "all".
std::vector<size_t> AllPlates(const ProfileTable& table);
// Every plate, in order, in the groups a reader that goes through the whole
// table should read them by: from an HDF5 table, whose rows are read in
// slabs, consecutive plates of at most `max_bytes` of float32 features a
// group (at least one plate); from a text table, where each read is a pass
// over the whole file, one group of all of them.
std::vector<std::vector<size_t>> PlateReadGroups(const ProfileTable& table,
                                                 int64_t max_bytes);
// The metadata columns of the table's file but `except` (those the caller
// writes itself), in file order, with their values [column][data row of the
// file]. Read apart from the index (another pass over a text file; none when
// the file has no such column) so that a training rank never holds them:
// micon embed carries them (Metadata_moa, Metadata_Site, ...) into its
// profiles. A file changed since its index was read is an error naming it.
struct OtherMetadata {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;
};
absl::StatusOr<OtherMetadata> ReadOtherMetadata(
    const ProfileTable& table, const std::vector<std::string>& except);
// A Metadata_Control value: 1 or true (any case) for a control row, 0 or
// false for a treated one; anything else is an error that begins with
// `where` (a file and line).
absl::StatusOr<bool> ParseControl(const std::string& text,
                                  const std::string& where);
// The checks and grouping of ReadProfileTable on a frame already read; a
// frame read with ProfileFrameRead::kIndex gives a table without features.
absl::StatusOr<ProfileTable> ProfileTableFromFrame(const ProfileFrame& frame);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_TABLE_H_
