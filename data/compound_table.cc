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

absl::StatusOr<CompoundTable> MakeCompoundTable(
    std::vector<Compound> compounds, const std::string& origin,
    std::vector<std::string> annotation_names) {
  CompoundTable table;
  table.path = origin;
  table.annotation_names = std::move(annotation_names);
  for (Compound& c : compounds) {
    const std::string where = absl::StrCat(origin, " line ", c.line);
    if (c.id.empty())
      return absl::InvalidArgumentError(where + ": empty compound_id");
    if (c.annotations.empty()) {
      c.annotations.resize(table.annotation_names.size());
    } else if (c.annotations.size() != table.annotation_names.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": compound ", c.id, " has ",
                       c.annotations.size(), " annotation values for ",
                       table.annotation_names.size(), " annotation columns"));
    }
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
  const AnnotationColumns annotations =
      AnnotationColumnsOf(csv.header, kCompoundIdColumn, kSmilesColumn);
  std::vector<Compound> compounds;
  compounds.reserve(csv.rows.size());
  for (size_t r = 0; r < csv.rows.size(); ++r) {
    compounds.push_back(
        {std::string(absl::StripAsciiWhitespace(csv.rows[r][id_col])),
         std::string(absl::StripAsciiWhitespace(csv.rows[r][smiles_col])),
         csv.Line(r), AnnotationsOfRow(annotations, csv.rows[r])});
  }
  return MakeCompoundTable(std::move(compounds), path, annotations.names);
}

absl::Status WriteCompoundTable(
    const std::string& path, const std::vector<Compound>& compounds,
    const std::vector<std::string>& annotation_names) {
  std::vector<std::string> header = {kCompoundIdColumn, kSmilesColumn};
  header.insert(header.end(), annotation_names.begin(), annotation_names.end());
  std::vector<std::vector<std::string>> rows;
  rows.reserve(compounds.size());
  for (const Compound& c : compounds) {
    std::vector<std::string> row = {c.id, c.smiles};
    row.insert(row.end(), c.annotations.begin(), c.annotations.end());
    row.resize(header.size());
    rows.push_back(std::move(row));
  }
  return WriteCsv(path, header, rows);
}

AnnotationColumns AnnotationColumnsOf(const std::vector<std::string>& header,
                                      const std::string& id_column,
                                      const std::string& smiles_column) {
  AnnotationColumns out;
  for (size_t c = 0; c < header.size(); ++c) {
    // An unnamed column is pandas' index written by to_csv: not an annotation.
    if (header[c] == id_column || header[c] == smiles_column ||
        header[c].empty()) {
      continue;
    }
    out.names.push_back(header[c]);
    out.columns.push_back(c);
  }
  return out;
}

std::vector<std::string> AnnotationsOfRow(const AnnotationColumns& columns,
                                          const std::vector<std::string>& row) {
  std::vector<std::string> values;
  values.reserve(columns.columns.size());
  for (const size_t c : columns.columns) {
    values.emplace_back(absl::StripAsciiWhitespace(row[c]));
  }
  return values;
}

}  // namespace micon
