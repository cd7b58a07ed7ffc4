#include "data/compound_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"

namespace micon {

const Compound* CompoundTable::Find(const std::string& id) const {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &compounds[it->second];
}

absl::StatusOr<CompoundTable> MakeCompoundTable(std::vector<Compound> compounds,
                                                const std::string& origin) {
  CompoundTable table;
  table.path = origin;
  for (Compound& c : compounds) {
    const std::string where = absl::StrCat(origin, " line ", c.line);
    if (c.id.empty())
      return absl::InvalidArgumentError(where + ": empty compound_id");
    if (c.smiles.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": compound ", c.id, " has no SMILES"));
    }
    auto [it, inserted] = table.index.emplace(c.id, table.compounds.size());
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": duplicate compound_id ", c.id, " (first on line ",
          table.compounds[it->second].line, ")"));
    }
    table.compounds.push_back(std::move(c));
  }
  return table;
}

absl::StatusOr<CompoundTable> ReadCompoundTable(const std::string& path) {
  MICON_ASSIGN_OR_RETURN(DelimitedTable csv, ReadDelimitedTable(path));
  MICON_ASSIGN_OR_RETURN(size_t id_col, csv.Column(kCompoundIdColumn));
  MICON_ASSIGN_OR_RETURN(size_t smiles_col, csv.Column(kSmilesColumn));
  std::vector<Compound> compounds;
  compounds.reserve(csv.rows.size());
  for (size_t r = 0; r < csv.rows.size(); ++r) {
    compounds.push_back(
        {std::string(absl::StripAsciiWhitespace(csv.rows[r][id_col])),
         std::string(absl::StripAsciiWhitespace(csv.rows[r][smiles_col])),
         csv.Line(r)});
  }
  return MakeCompoundTable(std::move(compounds), path);
}

absl::Status WriteCompoundTable(const std::string& path,
                                const std::vector<Compound>& compounds) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(compounds.size());
  for (const Compound& c : compounds) rows.push_back({c.id, c.smiles});
  return WriteCsv(path, {kCompoundIdColumn, kSmilesColumn}, rows);
}

}  // namespace micon
