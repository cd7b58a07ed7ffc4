// profile_metadata_join.h: columns from a table joined onto the profiles'
// metadata, as JUMP's metadata tables are meant to be joined (plate.csv.gz
// gives each Metadata_Source, Metadata_Plate its Metadata_Batch; well.csv.gz
// gives each plate and well its Metadata_JCP2022 compound).
//
//   MetadataJoin j{"plate.csv.gz", {}};  // keys: every column both have
//   MICON_ASSIGN_OR_RETURN(JoinSummary s, JoinMetadata(j, frame));
//   s.added      // {"Metadata_PlateType"}
//   s.unmatched  // rows whose keys the table lacks: their new values are
//                // empty
//
// A left join: every row stays. The table's other columns are added; each
// must start with Metadata_ and be new. A key tuple the table gives twice
// with different values is an error naming both lines.
#ifndef MICON_DATA_PROFILE_METADATA_JOIN_H_
#define MICON_DATA_PROFILE_METADATA_JOIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/profile_frame.h"

namespace micon {

struct MetadataJoin {
  std::string path;  // CSV/TSV, gzip or not
  // Columns matched between the table and the metadata, by name; empty:
  // every column the two share.
  std::vector<std::string> keys;
};

struct JoinSummary {
  std::string path;
  std::vector<std::string> keys;
  std::vector<std::string> added;
  int64_t unmatched = 0;
};

absl::StatusOr<JoinSummary> JoinMetadata(const MetadataJoin& join,
                                         ProfileFrame& frame);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_METADATA_JOIN_H_
