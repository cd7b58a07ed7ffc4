#include "data/profile_metadata_join.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"
#include "data/profile_table.h"

namespace micon {
namespace {

// One string per key tuple; the unit separator cannot occur in a CSV field
// a person wrote.
std::string KeyOf(const std::vector<const std::string*>& values) {
  std::string key;
  for (const std::string* v : values) {
    key += *v;
    key += '\x1f';
  }
  return key;
}

absl::StatusOr<std::vector<std::string>> JoinKeys(const MetadataJoin& join,
                                                  const DelimitedTable& table,
                                                  const ProfileFrame& frame) {
  const std::string what = "join " + join.path;
  if (!join.keys.empty()) {
    for (const std::string& k : join.keys) {
      if (!table.HasColumn(k)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": key ", k, " is not a column of the table (",
                         absl::StrJoin(table.header, ", "), ")"));
      }
      if (!frame.HasColumn(k)) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": key ", k, " is not a metadata column of the profiles (",
            absl::StrJoin(frame.metadata_names, ", "), ")"));
      }
    }
    return join.keys;
  }
  std::vector<std::string> shared;
  for (const std::string& c : table.header) {
    if (frame.HasColumn(c)) shared.push_back(c);
  }
  if (shared.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the table (", absl::StrJoin(table.header, ", "),
                     ") shares no column with the profiles' metadata (",
                     absl::StrJoin(frame.metadata_names, ", "), ")"));
  }
  return shared;
}

}  // namespace

absl::StatusOr<JoinSummary> JoinMetadata(const MetadataJoin& join,
                                         ProfileFrame& frame) {
  MICON_ASSIGN_OR_RETURN(const DelimitedTable table,
                         ReadDelimitedTable(join.path));
  JoinSummary summary;
  summary.path = join.path;
  MICON_ASSIGN_OR_RETURN(summary.keys, JoinKeys(join, table, frame));
  std::vector<size_t> table_keys, added;
  for (const std::string& k : summary.keys) {
    table_keys.push_back(*table.Column(k));
  }
  for (size_t c = 0; c < table.header.size(); ++c) {
    const std::string& name = table.header[c];
    if (std::find(summary.keys.begin(), summary.keys.end(), name) !=
        summary.keys.end()) {
      continue;
    }
    if (!absl::StartsWith(name, profile_columns::kMetadataPrefix)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "join ", join.path, ": column ", name, " does not start with ",
          profile_columns::kMetadataPrefix,
          ", so readers would take it for a feature"));
    }
    if (frame.HasColumn(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "join ", join.path, ": column ", name,
          " is a metadata column of the profiles already; rename it or join "
          "on it (TABLE=KEY,...)"));
    }
    summary.added.push_back(name);
    added.push_back(c);
  }
  // Key tuple -> its table row.
  std::unordered_map<std::string, size_t> row_of;
  std::vector<const std::string*> key(table_keys.size());
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (size_t k = 0; k < table_keys.size(); ++k) {
      key[k] = &table.rows[r][table_keys[k]];
    }
    const auto [it, is_new] = row_of.emplace(KeyOf(key), r);
    if (is_new) continue;
    for (size_t c : added) {
      if (table.rows[r][c] == table.rows[it->second][c]) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          join.path, ":", table.Line(r), ": ",
          absl::StrJoin(summary.keys, ", "), " given again (line ",
          table.Line(it->second), ") with another ", table.header[c], ": '",
          table.rows[r][c], "' against '", table.rows[it->second][c], "'"));
    }
  }
  std::vector<const std::vector<std::string>*> frame_keys;
  for (const std::string& k : summary.keys) {
    MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* values,
                           frame.Column(k));
    frame_keys.push_back(values);
  }
  const size_t rows = static_cast<size_t>(frame.rows());
  std::vector<std::vector<std::string>> columns(added.size());
  for (auto& column : columns) column.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t k = 0; k < frame_keys.size(); ++k) {
      key[k] = &(*frame_keys[k])[r];
    }
    const auto match = row_of.find(KeyOf(key));
    summary.unmatched += match == row_of.end();
    for (size_t c = 0; c < added.size(); ++c) {
      columns[c].push_back(match == row_of.end()
                               ? std::string()
                               : table.rows[match->second][added[c]]);
    }
  }
  for (size_t c = 0; c < added.size(); ++c) {
    frame.metadata_names.push_back(summary.added[c]);
    frame.metadata.push_back(std::move(columns[c]));
  }
  return summary;
}

}  // namespace micon
