#include "launch/profiles/phenotypic_consistency.h"

#include <torch/torch.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/metrics/streamed_label_ranks.h"
#include "core/metrics/well_aggregation.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"

namespace micon {
namespace {

// Two spellings of "no annotation" (NA on one plate, nan on another) are the
// same annotation.
std::string Canonical(const std::string& value) {
  return IsMissingValue(value) ? ""
                               : std::string(absl::StripAsciiWhitespace(value));
}

std::vector<std::string> SplitLabels(const std::string& value,
                                     const std::string& separator) {
  std::set<std::string> parts;
  const std::vector<std::string> pieces =
      separator.empty() ? std::vector<std::string>{value}
                        : absl::StrSplit(value, separator);
  for (const std::string& piece : pieces) {
    const std::string part(absl::StripAsciiWhitespace(piece));
    if (!IsMissingValue(part)) parts.insert(part);
  }
  return {parts.begin(), parts.end()};
}

}  // namespace

absl::StatusOr<CompoundAnnotations> AnnotationsOfWells(
    const ProfileFrame& frame, const std::vector<int64_t>& rows,
    const std::string& compound_column, const std::string& column) {
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* compound,
                         frame.Column(compound_column));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* annotation,
                         frame.Column(column));
  std::map<std::string, int64_t> first_row;  // compound -> where it was read
  CompoundAnnotations out;
  for (int64_t r : rows) {
    const auto [seen, is_new] = first_row.try_emplace((*compound)[r], r);
    const std::string& had = (*annotation)[seen->second];
    if (is_new) {
      out.emplace((*compound)[r], had);
    } else if (Canonical(had) != Canonical((*annotation)[r])) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.Where(r), ": ", compound_column, " ", (*compound)[r], " has ",
          column, " '", (*annotation)[r], "', but '", had, "' at ",
          frame.Where(seen->second),
          "; a compound's annotation must be the same in all its wells"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<CompoundAnnotations>> ReadAnnotationTable(
    const std::string& path, const std::string& key_column,
    const std::vector<std::string>& columns) {
  MICON_ASSIGN_OR_RETURN(const DelimitedTable table, ReadDelimitedTable(path));
  MICON_ASSIGN_OR_RETURN(const size_t key, table.Column(key_column));
  std::vector<CompoundAnnotations> out;
  for (const std::string& column : columns) {
    MICON_ASSIGN_OR_RETURN(const size_t value, table.Column(column));
    CompoundAnnotations& annotations = out.emplace_back();
    std::map<std::string, size_t> line;
    for (size_t r = 0; r < table.rows.size(); ++r) {
      const std::vector<std::string>& row = table.rows[r];
      const auto [it, is_new] = annotations.emplace(row[key], row[value]);
      if (is_new) {
        line[row[key]] = table.Line(r);
      } else if (Canonical(it->second) != Canonical(row[value])) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", table.Line(r), ": ", key_column, " ",
                         row[key], " has ", column, " '", row[value],
                         "', but '", it->second, "' on line ", line[row[key]]));
      }
    }
  }
  return out;
}

CompoundLabels LabelCompounds(const CompoundAnnotations& annotations,
                              const std::set<std::string>& compounds,
                              const std::string& separator) {
  CompoundLabels out;
  std::map<std::string, std::vector<std::string>> split;
  std::set<std::string> names;
  for (const std::string& name : compounds) {
    const auto it = annotations.find(name);
    std::vector<std::string> labels = it == annotations.end()
                                          ? std::vector<std::string>{}
                                          : SplitLabels(it->second, separator);
    if (labels.empty()) {
      ++out.unannotated;
      continue;
    }
    names.insert(labels.begin(), labels.end());
    split[name] = std::move(labels);
  }
  out.names.assign(names.begin(), names.end());
  std::map<std::string, int64_t> id;
  for (const std::string& n : out.names) {
    id.emplace(n, static_cast<int64_t>(id.size()));
  }
  for (const auto& [name, labels] : split) {
    out.compounds.push_back(name);
    std::vector<int64_t>& ids = out.labels.emplace_back();
    for (const std::string& l : labels) ids.push_back(id.at(l));
  }
  return out;
}

CompoundLabels KeepCompounds(const CompoundLabels& labels,
                             const std::set<std::string>& keep) {
  CompoundLabels out;
  out.names = labels.names;
  out.unannotated = labels.unannotated;
  for (size_t c = 0; c < labels.compounds.size(); ++c) {
    if (keep.count(labels.compounds[c]) == 0) continue;
    out.compounds.push_back(labels.compounds[c]);
    out.labels.push_back(labels.labels[c]);
  }
  return out;
}

Consistency ScoreConsistency(const at::Tensor& x,
                             const std::vector<int64_t>& rows,
                             const std::vector<std::string>& compound,
                             const CompoundLabels& labels,
                             const MapOptions& map, const TileOptions& tiles,
                             ShardReducer& shards) {
  Consistency out;
  out.compounds = static_cast<int64_t>(labels.compounds.size());
  out.unannotated = labels.unannotated;
  std::map<std::string, int64_t> index;
  for (size_t c = 0; c < labels.compounds.size(); ++c) {
    index.emplace(labels.compounds[c], static_cast<int64_t>(c));
  }
  std::vector<int64_t> selected, group;
  for (int64_t r : rows) {
    const auto it = index.find(compound[r]);
    if (it == index.end()) continue;
    selected.push_back(r);
    group.push_back(it->second);
  }
  if (out.compounds < 2) return out;
  const at::Tensor consensus =
      AggregateByGroup(x.index_select(0, torch::tensor(selected, torch::kLong)),
                       group, out.compounds, Aggregation::kMedian);
  const std::vector<LabelQueryAp> aps =
      StreamLabelRanks(consensus, labels.labels, tiles, shards);
  std::vector<QueryAp> queries;
  std::set<int64_t> querying;
  for (const LabelQueryAp& a : aps) {
    queries.push_back({labels.names[a.label], a.ap, a.positives, a.candidates});
    out.queries.push_back({labels.compounds[a.row], labels.names[a.label], a.ap,
                           a.positives, a.candidates});
    querying.insert(a.row);
  }
  out.querying = static_cast<int64_t>(querying.size());
  out.labels = MeanAveragePrecision(queries, map);
  return out;
}

int64_t ConsistencyBytes(const CompoundLabels& labels, int64_t features,
                         TilePrecision precision) {
  return SweptRowsBytes(static_cast<int64_t>(labels.compounds.size()), features,
                        precision) +
         LabelRankBytes(labels.labels);
}

}  // namespace micon
