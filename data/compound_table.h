// compound_table.h: a dataset's compounds.csv (header compound_id,smiles; more
// columns allowed).
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
};

struct CompoundTable {
  std::string path;
  std::vector<Compound> compounds;  // file order
  std::unordered_map<std::string, size_t> index;

  const Compound* Find(const std::string& id) const;
};

inline constexpr char kCompoundIdColumn[] = "compound_id";
inline constexpr char kSmilesColumn[] = "smiles";

absl::StatusOr<CompoundTable> ReadCompoundTable(const std::string& path);

// Builds a table from compounds in memory with the same checks (used by
// converters).
absl::StatusOr<CompoundTable> MakeCompoundTable(std::vector<Compound> compounds,
                                                const std::string& origin);

absl::Status WriteCompoundTable(const std::string& path,
                                const std::vector<Compound>& compounds);

}  // namespace micon

#endif  // MICON_DATA_COMPOUND_TABLE_H_
