// profile_table.h: a table of profiles (one feature vector per well or image)
// as the trainer's second kind of input.
//
//   MICON_ASSIGN_OR_RETURN(ProfileTable t, ReadProfileTable("p.csv.gz"));
//   t.plates[p].images[i]  <->  row i of t.features[p]
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
  std::vector<at::Tensor> features;   // per plate: [rows, features] float32
  CompoundTable compounds;
};

absl::StatusOr<ProfileTable> ReadProfileTable(const std::string& path);
// The checks and grouping of ReadProfileTable on a frame already read.
absl::StatusOr<ProfileTable> ProfileTableFromFrame(const ProfileFrame& frame);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_TABLE_H_
