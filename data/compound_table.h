// compound_table.h: a dataset's compounds.csv (header compound_id,smiles; more
// columns allowed, and kept: a compound's annotations such as moa, target or
// inchikey travel with it into the profiles micon embed writes).
//
//   MICON_ASSIGN_OR_RETURN(CompoundTable compounds,
//                          ReadCompoundTable("ds/compounds.csv"));
//   const Compound* c = compounds.Find("BRD-K80935598-001-01-1");
//
// Every compound_id is non-empty and unique and every SMILES is non-empty;
// errors name the file and line. Whether a SMILES parses is the featuriser's
// business (molecule_featurizer.h).
#ifndef MICON_DATA_COMPOUND_TABLE_H_
#define MICON_DATA_COMPOUND_TABLE_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct Compound {
  std::string id;
  std::string smiles;
  size_t line = 0;  // in compounds.csv, for error messages
  // One value per CompoundTable::annotation_names, in that order (empty
  // values kept as they are).
  std::vector<std::string> annotations;
};

struct CompoundTable {
  std::string path;
  // The columns beyond compound_id and smiles, in file order.
  std::vector<std::string> annotation_names;
  std::vector<Compound> compounds;  // file order
  std::unordered_map<std::string, size_t> index;

  const Compound* Find(const std::string& id) const;
};

inline constexpr char kCompoundIdColumn[] = "compound_id";
inline constexpr char kSmilesColumn[] = "smiles";

absl::StatusOr<CompoundTable> ReadCompoundTable(const std::string& path);

// Builds a table from compounds in memory with the same checks (used by
// converters). A compound without annotations gets an empty value for each
// of `annotation_names`; one with another number of values is an error.
absl::StatusOr<CompoundTable> MakeCompoundTable(
    std::vector<Compound> compounds, const std::string& origin,
    std::vector<std::string> annotation_names = {});

// compound_id, smiles, then the annotation columns (a compound without
// annotations writes empty values).
absl::Status WriteCompoundTable(
    const std::string& path, const std::vector<Compound>& compounds,
    const std::vector<std::string>& annotation_names = {});

// A source table's compounds (JUMP's compound TSVs: broad_sample, smiles,
// moa, InChIKey, ...) as they will enter a store: the annotation columns are
// every column but `id_column` and `smiles_column`, and AnnotationsOfRow
// reads a row's values of them.
struct AnnotationColumns {
  std::vector<std::string> names;
  std::vector<size_t> columns;  // of the source table
};
AnnotationColumns AnnotationColumnsOf(const std::vector<std::string>& header,
                                      const std::string& id_column,
                                      const std::string& smiles_column);
std::vector<std::string> AnnotationsOfRow(const AnnotationColumns& columns,
                                          const std::vector<std::string>& row);

}  // namespace micon

#endif  // MICON_DATA_COMPOUND_TABLE_H_
