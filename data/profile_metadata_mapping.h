// profile_metadata_mapping.h: pycytominer's metadata made into micon's
// (profile_table.h), so that CellProfiler profiles train without another tool.
//
//   MetadataMapping m;
//   m.renames = {{"Metadata_broad_sample", "Metadata_Compound"},
//                {"Metadata_smiles", "Metadata_SMILES"}};
//   m.joins = {{"plate.csv.gz", {}}};  // Metadata_Batch by source and plate
//   m.constants = {{"Metadata_Source", "cpg0002"}};
//   m.controls = {{"Metadata_pert_type", "control"}};
//   m.drop_treated_without = {"Metadata_SMILES"};
//   RowsLeftOut left_out;
//   MICON_ASSIGN_OR_RETURN(std::vector<bool> keep,
//                          ApplyMetadataMapping(m, frame, &left_out));
//
// Applied in the order of the fields: renames, joins, constants, controls,
// then the treated rows to leave out. A rename whose column only a join adds
// applies right after the joins, so a joined column can be renamed too
// (Metadata_JCP2022 to Metadata_Compound). It never overwrites a column: a name it would
// create that exists already is an error, as is a column it reads that does
// not exist. Every name it creates starts with Metadata_, or readers would
// take the column for a feature.
#ifndef MICON_DATA_PROFILE_METADATA_MAPPING_H_
#define MICON_DATA_PROFILE_METADATA_MAPPING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data/profile_frame.h"
#include "data/profile_metadata_join.h"

namespace micon {

struct MetadataMapping {
  // FROM -> TO.
  std::vector<std::pair<std::string, std::string>> renames;
  // Tables joined onto the metadata (profile_metadata_join.h), in order: a
  // later join may key on a column an earlier one added.
  std::vector<MetadataJoin> joins;
  // COLUMN -> the value of every row.
  std::vector<std::pair<std::string, std::string>> constants;
  // COLUMN, VALUE: Metadata_Control is 1 where COLUMN equals VALUE, else 0.
  std::optional<std::pair<std::string, std::string>> controls;
  // Treated rows (Metadata_Control neither 1 nor true) with an empty value in
  // any of these columns are left out: MICON's treated wells need a compound
  // and its structure.
  std::vector<std::string> drop_treated_without;

  bool empty() const {
    return renames.empty() && joins.empty() && constants.empty() && !controls &&
           drop_treated_without.empty();
  }
};

// Rows left out, by the first listed column found empty on them.
using RowsLeftOut = std::vector<std::pair<std::string, int64_t>>;

// What the mapping did beside the columns: the rows it leaves out and what
// each join added.
struct MappingSummary {
  RowsLeftOut left_out;
  std::vector<JoinSummary> joins;
};

// Applies `mapping` to the metadata of `frame` (its features are not
// touched; a frame of metadata alone has [rows, 0] of them) and returns which
// rows to keep. Errors name the column and, for a column it reads, those
// `frame` has.
absl::StatusOr<std::vector<bool>> ApplyMetadataMapping(
    const MetadataMapping& mapping, ProfileFrame& frame,
    MappingSummary* summary);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_METADATA_MAPPING_H_
