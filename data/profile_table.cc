#include "data/profile_table.h"

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"

namespace micon {
namespace {

absl::StatusOr<bool> ParseControl(const std::string& text,
                                  const std::string& where) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "1" || t == "true") return true;
  if (t == "0" || t == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": ", profile_columns::kControl, " is '", text,
                   "' (expected 1, 0, true or false)"));
}

}  // namespace

absl::StatusOr<ProfileTable> ReadProfileTable(const std::string& path) {
  namespace pc = profile_columns;
  MICON_ASSIGN_OR_RETURN(DelimitedTable table, ReadDelimitedTable(path));
  size_t col[7];
  const char* required[7] = {pc::kSource,   pc::kBatch,  pc::kPlate,  pc::kWell,
                             pc::kCompound, pc::kSmiles, pc::kControl};
  for (int k = 0; k < 7; ++k) {
    MICON_ASSIGN_OR_RETURN(col[k], table.Column(required[k]));
  }
  const bool has_site = table.HasColumn(pc::kSite);
  const size_t site_col = has_site ? *table.Column(pc::kSite) : 0;
  ProfileTable out;
  out.path = path;
  std::vector<size_t> feature_cols;
  for (size_t c = 0; c < table.header.size(); ++c) {
    if (table.header[c].rfind(pc::kMetadataPrefix, 0) != 0) {
      feature_cols.push_back(c);
      out.feature_names.push_back(table.header[c]);
    }
  }
  if (feature_cols.empty()) {
    return absl::InvalidArgumentError(
        path + ": no feature columns (every column starts with Metadata_)");
  }
  if (table.rows.empty()) return absl::InvalidArgumentError(path + ": no rows");

  std::map<std::string, std::vector<size_t>> rows_of_plate;
  // compound id -> (SMILES, row of its first treated row)
  std::map<std::string, std::pair<std::string, size_t>> smiles_of;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    rows_of_plate[table.rows[r][col[2]]].push_back(r);
  }
  const int64_t f = static_cast<int64_t>(feature_cols.size());
  for (const auto& [plate_name, rows] : rows_of_plate) {
    PlateMetadata plate;
    plate.path = path;
    const std::vector<std::string>& first = table.rows[rows[0]];
    plate.header.source = first[col[0]];
    plate.header.batch = first[col[1]];
    plate.header.plate = plate_name;
    std::vector<float> values(rows.size() * static_cast<size_t>(f));
    std::set<std::pair<std::string, int32_t>> seen;
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::vector<std::string>& row = table.rows[rows[i]];
      const std::string where = absl::StrCat(path, ":", table.Line(rows[i]));
      if (row[col[0]] != plate.header.source ||
          row[col[1]] != plate.header.batch) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": plate ", plate_name, " has two sources or batches (",
            plate.header.source, "/", plate.header.batch, " and ", row[col[0]],
            "/", row[col[1]], ")"));
      }
      ImageRecord record;
      record.well = row[col[3]];
      record.compound = row[col[4]];
      MICON_ASSIGN_OR_RETURN(record.control, ParseControl(row[col[6]], where));
      if (has_site && !absl::SimpleAtoi(row[site_col], &record.site)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", pc::kSite,
                                                       " is '", row[site_col],
                                                       "', not an integer"));
      }
      if (!seen.insert({record.well, record.site}).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": plate ", plate_name, " repeats well ",
                         record.well, " site ", record.site));
      }
      if (!record.control) {
        const std::string& smiles = row[col[5]];
        if (record.compound.empty() || smiles.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": a treated row needs ", pc::kCompound,
                           " and ", pc::kSmiles));
        }
        auto [it, inserted] =
            smiles_of.emplace(record.compound, std::make_pair(smiles, rows[i]));
        if (!inserted && it->second.first != smiles) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": compound ", record.compound,
                           " has SMILES '", smiles, "' but '", it->second.first,
                           "' on line ", table.Line(it->second.second)));
        }
      }
      for (int64_t k = 0; k < f; ++k) {
        const std::string& text = row[feature_cols[k]];
        double v = 0;
        if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": column ", out.feature_names[k], " is '",
                           text, "', not a finite number"));
        }
        values[i * f + k] = static_cast<float>(v);
      }
      plate.images.push_back(record);
    }
    if (plate.num_controls() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": plate ", plate_name,
          " has no control rows; MICON needs same-plate controls"));
    }
    out.features.push_back(
        torch::from_blob(values.data(), {static_cast<int64_t>(rows.size()), f},
                         torch::kFloat)
            .clone());
    out.plates.push_back(std::move(plate));
  }
  std::vector<Compound> compounds;
  for (const auto& [id, smiles] : smiles_of) {
    compounds.push_back({id, smiles.first, table.Line(smiles.second)});
  }
  MICON_ASSIGN_OR_RETURN(out.compounds, MakeCompoundTable(compounds, path));
  return out;
}

}  // namespace micon
