#include "data/profile_metadata_mapping.h"

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/profile_table.h"

namespace micon {
namespace {

namespace pc = profile_columns;

// A column the mapping creates: named as metadata, and new.
absl::Status CheckNewColumn(const ProfileFrame& frame, const std::string& name,
                            const std::string& what) {
  if (!absl::StartsWith(name, pc::kMetadataPrefix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", name, " does not start with ", pc::kMetadataPrefix,
        ", so readers would take it for a "
        "feature"));
  }
  if (frame.HasColumn(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", name, " exists already; rename it first to keep it"));
  }
  return absl::OkStatus();
}

// A column the mapping reads; the error lists those there are.
absl::StatusOr<size_t> ColumnIndex(const ProfileFrame& frame,
                                   const std::string& name,
                                   const std::string& what) {
  for (size_t c = 0; c < frame.metadata_names.size(); ++c) {
    if (frame.metadata_names[c] == name) return c;
  }
  return absl::NotFoundError(
      absl::StrCat(what, ": no metadata column ", name, " (there are ",
                   absl::StrJoin(frame.metadata_names, ", "), ")"));
}

void AddColumn(ProfileFrame& frame, const std::string& name,
               std::vector<std::string> values) {
  frame.metadata_names.push_back(name);
  frame.metadata.push_back(std::move(values));
}

// Metadata_Control from `column` = `value`; an error when no row matches.
absl::Status MarkControls(const std::pair<std::string, std::string>& controls,
                          ProfileFrame& frame) {
  const auto& [column, value] = controls;
  const std::string what = absl::StrCat("controls ", column, "=", value);
  MICON_RETURN_IF_ERROR(CheckNewColumn(frame, pc::kControl, what));
  MICON_ASSIGN_OR_RETURN(const size_t c, ColumnIndex(frame, column, what));
  std::vector<std::string> control;
  size_t matches = 0;
  for (const std::string& v : frame.metadata[c]) {
    control.push_back(v == value ? "1" : "0");
    matches += v == value;
  }
  if (matches == 0) {
    std::set<std::string> values(frame.metadata[c].begin(),
                                 frame.metadata[c].end());
    std::vector<std::string> shown(values.begin(), values.end());
    if (shown.size() > 10) shown.resize(10);
    return absl::InvalidArgumentError(absl::StrCat(
        what, " matches no row; ", column, " holds ",
        absl::StrJoin(shown, ", "), values.size() > 10 ? ", ..." : ""));
  }
  AddColumn(frame, pc::kControl, std::move(control));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<bool>> TreatedRowsWith(
    const std::vector<std::string>& needed, const ProfileFrame& frame,
    RowsLeftOut* left_out) {
  std::vector<bool> keep(static_cast<size_t>(frame.rows()), true);
  if (needed.empty()) return keep;
  const std::string what = "treated rows need " + absl::StrJoin(needed, ", ");
  MICON_ASSIGN_OR_RETURN(const size_t control_column,
                         ColumnIndex(frame, pc::kControl, what));
  std::vector<size_t> columns;
  for (const std::string& name : needed) {
    MICON_ASSIGN_OR_RETURN(const size_t c, ColumnIndex(frame, name, what));
    columns.push_back(c);
  }
  std::map<std::string, int64_t> dropped;
  for (size_t r = 0; r < keep.size(); ++r) {
    MICON_ASSIGN_OR_RETURN(const bool control,
                           ParseControl(frame.metadata[control_column][r],
                                        frame.Where(static_cast<int64_t>(r))));
    if (control) continue;
    for (size_t k = 0; k < columns.size(); ++k) {
      if (frame.metadata[columns[k]][r].empty()) {
        keep[r] = false;
        ++dropped[needed[k]];
        break;
      }
    }
  }
  for (const std::string& name : needed) {
    if (dropped.count(name) > 0) left_out->emplace_back(name, dropped[name]);
  }
  return keep;
}

absl::Status Rename(const std::string& from, const std::string& to,
                    ProfileFrame& frame) {
  const std::string what = absl::StrCat("rename ", from, "=", to);
  MICON_ASSIGN_OR_RETURN(const size_t c, ColumnIndex(frame, from, what));
  if (to == from) return absl::OkStatus();
  MICON_RETURN_IF_ERROR(CheckNewColumn(frame, to, what));
  frame.metadata_names[c] = to;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<bool>> ApplyMetadataMapping(
    const MetadataMapping& mapping, ProfileFrame& frame,
    MappingSummary* summary) {
  // The files' columns are renamed before the joins (so a join can key on
  // the new name), the joined tables' after them.
  std::vector<std::pair<std::string, std::string>> after_joins;
  for (const auto& [from, to] : mapping.renames) {
    if (!mapping.joins.empty() && !frame.HasColumn(from)) {
      after_joins.emplace_back(from, to);
      continue;
    }
    MICON_RETURN_IF_ERROR(Rename(from, to, frame));
  }
  for (const MetadataJoin& join : mapping.joins) {
    MICON_ASSIGN_OR_RETURN(JoinSummary joined, JoinMetadata(join, frame));
    summary->joins.push_back(std::move(joined));
  }
  for (const auto& [from, to] : after_joins) {
    MICON_RETURN_IF_ERROR(Rename(from, to, frame));
  }
  for (const auto& [column, value] : mapping.constants) {
    MICON_RETURN_IF_ERROR(CheckNewColumn(
        frame, column, absl::StrCat("set ", column, "=", value)));
    AddColumn(
        frame, column,
        std::vector<std::string>(static_cast<size_t>(frame.rows()), value));
  }
  if (mapping.controls) {
    MICON_RETURN_IF_ERROR(MarkControls(*mapping.controls, frame));
  }
  return TreatedRowsWith(mapping.drop_treated_without, frame,
                         &summary->left_out);
}

}  // namespace micon
