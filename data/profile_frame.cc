#include "data/profile_frame.h"

#include <torch/torch.h>

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/blocked_values.h"
#include "data/delimited_table.h"
#include "data/profile_frame_hdf5.h"

namespace micon {
int64_t ProfileFrame::rows() const {
  return features.defined() ? features.size(0) : 0;
}

bool ProfileFrame::HasColumn(const std::string& name) const {
  for (const std::string& m : metadata_names) {
    if (m == name) return true;
  }
  return false;
}

std::string ProfileFrame::Where(int64_t row) const {
  if (row < static_cast<int64_t>(lines.size())) {
    return absl::StrCat(path, ":", lines[static_cast<size_t>(row)]);
  }
  return absl::StrCat(path, " row ", row + 1);
}

absl::StatusOr<const std::vector<std::string>*> ProfileFrame::Column(
    const std::string& name) const {
  for (size_t c = 0; c < metadata_names.size(); ++c) {
    if (metadata_names[c] == name) return &metadata[c];
  }
  return absl::NotFoundError(absl::StrCat(
      path, ": no metadata column ", name, " (it has ",
      metadata_names.empty() ? "none" : absl::StrJoin(metadata_names, ", "),
      ")"));
}

absl::StatusOr<ProfileFrame> ReadProfileFrame(const std::string& path) {
  if (IsHdf5Path(path)) return ReadProfileFrameHdf5(path);
  ProfileFrame frame;
  frame.path = path;
  std::vector<size_t> meta_cols, feature_cols;
  // Features are parsed as each row is read, so the table's text is never
  // held: a frame costs its doubles and its metadata.
  BlockedValues values;
  MICON_RETURN_IF_ERROR(ReadDelimitedRows(
      path, 0,
      [&](std::vector<std::string>& header, size_t) -> absl::Status {
        for (size_t c = 0; c < header.size(); ++c) {
          if (header[c].rfind(profile_columns::kMetadataPrefix, 0) == 0) {
            meta_cols.push_back(c);
            frame.metadata_names.push_back(header[c]);
          } else {
            feature_cols.push_back(c);
            frame.feature_names.push_back(header[c]);
          }
        }
        if (feature_cols.empty()) {
          return absl::InvalidArgumentError(
              path +
              ": no feature columns (every column starts with Metadata_)");
        }
        frame.metadata.resize(meta_cols.size());
        return absl::OkStatus();
      },
      [&](std::vector<std::string>& row, size_t line) -> absl::Status {
        frame.lines.push_back(static_cast<int64_t>(line));
        for (size_t m = 0; m < meta_cols.size(); ++m) {
          frame.metadata[m].push_back(std::move(row[meta_cols[m]]));
        }
        for (size_t k = 0; k < feature_cols.size(); ++k) {
          const std::string& text = row[feature_cols[k]];
          double v = 0;
          if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
            return absl::InvalidArgumentError(absl::StrCat(
                frame.Where(static_cast<int64_t>(frame.lines.size()) - 1),
                ": column ", frame.feature_names[k], " is '", text,
                "', not a finite number (drop or impute missing features "
                "first)"));
          }
          values.Add(v);
        }
        return absl::OkStatus();
      }));
  const int64_t n = static_cast<int64_t>(frame.lines.size());
  if (n == 0) return absl::InvalidArgumentError(path + ": no rows");
  const int64_t f = static_cast<int64_t>(feature_cols.size());
  frame.features = values.Take(n, f);
  return frame;
}

absl::StatusOr<std::vector<std::string>> GroupKeys(
    const ProfileFrame& frame, const std::vector<std::string>& columns) {
  std::vector<const std::vector<std::string>*> cols;
  for (const std::string& name : columns) {
    MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* c,
                           frame.Column(name));
    cols.push_back(c);
  }
  std::vector<std::string> keys(frame.rows());
  for (int64_t r = 0; r < frame.rows(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c > 0) keys[r] += ", ";
      keys[r] += (*cols[c])[r];
    }
  }
  return keys;
}

ProfileFrame SelectRows(const ProfileFrame& frame,
                        const std::vector<bool>& keep) {
  TORCH_CHECK(static_cast<int64_t>(keep.size()) == frame.rows(), "keep has ",
              keep.size(), " entries for ", frame.rows(), " rows");
  std::vector<int64_t> index;
  for (size_t r = 0; r < keep.size(); ++r) {
    if (keep[r]) index.push_back(static_cast<int64_t>(r));
  }
  ProfileFrame out;
  out.path = frame.path;
  out.metadata_names = frame.metadata_names;
  out.feature_names = frame.feature_names;
  if (!frame.lines.empty()) {
    for (int64_t r : index) out.lines.push_back(frame.lines[r]);
  }
  for (const auto& column : frame.metadata) {
    std::vector<std::string> kept;
    for (int64_t r : index) kept.push_back(column[r]);
    out.metadata.push_back(std::move(kept));
  }
  out.features =
      frame.features.index_select(0, torch::tensor(index, torch::kLong));
  return out;
}

absl::StatusOr<ProfileFrame> ConcatenateRows(const ProfileFrame& a,
                                             const ProfileFrame& b) {
  if (a.feature_names != b.feature_names) {
    return absl::InvalidArgumentError(
        absl::StrCat(b.path, ": its ", b.feature_names.size(),
                     " feature columns are not those of ", a.path, " (",
                     a.feature_names.size(), ") in the same order"));
  }
  ProfileFrame out;
  out.path = a.path + "+" + b.path;
  out.feature_names = a.feature_names;
  out.metadata_names = a.metadata_names;
  for (const std::string& name : b.metadata_names) {
    if (!a.HasColumn(name)) out.metadata_names.push_back(name);
  }
  for (const std::string& name : out.metadata_names) {
    std::vector<std::string> values;
    for (const ProfileFrame* f : {&a, &b}) {
      absl::StatusOr<const std::vector<std::string>*> column = f->Column(name);
      if (column.ok()) {
        values.insert(values.end(), (*column)->begin(), (*column)->end());
      } else {
        values.resize(values.size() + static_cast<size_t>(f->rows()));
      }
    }
    out.metadata.push_back(std::move(values));
  }
  out.features = torch::cat(
      {a.features.to(torch::kFloat64), b.features.to(torch::kFloat64)});
  return out;
}

}  // namespace micon
