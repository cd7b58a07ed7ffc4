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

namespace {

// Which of a header's columns are metadata and which features
// (pycytominer's convention), by index, with their names.
struct CsvColumns {
  std::vector<size_t> metadata, features;
  std::vector<std::string> metadata_names, feature_names;
};

absl::StatusOr<CsvColumns> SplitCsvColumns(
    const std::vector<std::string>& header, const std::string& path) {
  CsvColumns c;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].rfind(profile_columns::kMetadataPrefix, 0) == 0) {
      c.metadata.push_back(i);
      c.metadata_names.push_back(header[i]);
    } else {
      c.features.push_back(i);
      c.feature_names.push_back(header[i]);
    }
  }
  if (c.features.empty()) {
    return absl::InvalidArgumentError(
        path + ": no feature columns (every column starts with Metadata_)");
  }
  return c;
}

// One feature's value; the error names the file, line and column.
absl::StatusOr<double> FeatureValue(const std::string& text,
                                    const std::string& column,
                                    const std::string& path, size_t line) {
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", line, ": column ", column, " is '", text,
                     "', not a finite number (drop or impute missing features "
                     "first)"));
  }
  return v;
}

// Each feature of one data row, parsed, to `put(k, value)` in the order of
// `columns.features`; the first bad value is an error naming its line.
template <typename Put>
absl::Status ParseFeatures(const std::vector<std::string>& fields,
                           const CsvColumns& columns, const std::string& path,
                           size_t line, Put put) {
  for (size_t k = 0; k < columns.features.size(); ++k) {
    MICON_ASSIGN_OR_RETURN(const double v,
                           FeatureValue(fields[columns.features[k]],
                                        columns.feature_names[k], path, line));
    put(k, v);
  }
  return absl::OkStatus();
}

absl::StatusOr<ProfileFrame> ReadCsvFrame(const std::string& path,
                                          ProfileFrameRead what) {
  ProfileFrame frame;
  frame.path = path;
  CsvColumns columns;
  // Features are parsed as each row is read, so the table's text is never
  // held: a frame costs its doubles and its metadata.
  BlockedValues values;
  MICON_RETURN_IF_ERROR(ReadDelimitedRows(
      path, 0,
      [&](std::vector<std::string>& header, size_t) -> absl::Status {
        MICON_ASSIGN_OR_RETURN(columns, SplitCsvColumns(header, path));
        frame.metadata_names = columns.metadata_names;
        frame.feature_names = columns.feature_names;
        frame.metadata.resize(columns.metadata.size());
        return absl::OkStatus();
      },
      [&](std::vector<std::string>& row, size_t line) -> absl::Status {
        frame.lines.push_back(static_cast<int64_t>(line));
        for (size_t m = 0; m < columns.metadata.size(); ++m) {
          frame.metadata[m].push_back(std::move(row[columns.metadata[m]]));
        }
        if (what == ProfileFrameRead::kIndex) return absl::OkStatus();
        return ParseFeatures(row, columns, path, line,
                             [&](size_t, double v) { values.Add(v); });
      }));
  const int64_t n = static_cast<int64_t>(frame.lines.size());
  if (n == 0) return absl::InvalidArgumentError(path + ": no rows");
  frame.features =
      what == ProfileFrameRead::kIndex
          ? torch::empty({n, 0}, torch::kFloat64)
          : values.Take(n, static_cast<int64_t>(columns.features.size()));
  return frame;
}

// The header's columns, when its features are still those the index read
// found.
absl::StatusOr<CsvColumns> UnchangedCsvColumns(
    const std::vector<std::string>& header, const std::string& path,
    const std::vector<std::string>& feature_names) {
  MICON_ASSIGN_OR_RETURN(CsvColumns columns, SplitCsvColumns(header, path));
  if (columns.feature_names != feature_names) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": its feature columns changed since it was first read (",
        columns.feature_names.size(), " now, ", feature_names.size(),
        " then)"));
  }
  return columns;
}

// The header callback of a reader of rows the index read has seen: fills
// `columns` if the file's features are still those.
RowsCallback UnchangedHeader(CsvColumns& columns, const std::string& path,
                             const std::vector<std::string>& feature_names) {
  return [&columns, &path, &feature_names](std::vector<std::string>& header,
                                           size_t) -> absl::Status {
    MICON_ASSIGN_OR_RETURN(columns,
                           UnchangedCsvColumns(header, path, feature_names));
    return absl::OkStatus();
  };
}

absl::Status CheckRowsUnchanged(const std::string& path, int64_t rows,
                                int64_t file_rows) {
  if (rows == file_rows) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(path, ": has ", rows, " rows now, ", file_rows,
                   " when it was first read; it changed in between"));
}

absl::Status ReadCsvBlocks(const std::string& path,
                           const std::vector<std::string>& feature_names,
                           int64_t file_rows, int64_t block_rows,
                           const FeatureBlockSink& on_block) {
  const int64_t width = static_cast<int64_t>(feature_names.size());
  std::vector<double> block;
  block.reserve(static_cast<size_t>(block_rows * width));
  int64_t row = 0, block_first = 0;
  const auto flush = [&]() -> absl::Status {
    const int64_t count = static_cast<int64_t>(block.size()) / width;
    if (count == 0) return absl::OkStatus();
    MICON_RETURN_IF_ERROR(on_block(
        block_first,
        torch::from_blob(block.data(), {count, width}, torch::kFloat64)));
    block_first += count;
    block.clear();
    return absl::OkStatus();
  };
  CsvColumns columns;
  MICON_RETURN_IF_ERROR(ReadDelimitedRows(
      path, 0, UnchangedHeader(columns, path, feature_names),
      [&](std::vector<std::string>& fields, size_t line) -> absl::Status {
        ++row;
        MICON_RETURN_IF_ERROR(
            ParseFeatures(fields, columns, path, line,
                          [&](size_t, double v) { block.push_back(v); }));
        return row - block_first == block_rows ? flush() : absl::OkStatus();
      }));
  MICON_RETURN_IF_ERROR(flush());
  return CheckRowsUnchanged(path, row, file_rows);
}

absl::Status ReadCsvRows(const std::string& path,
                         const std::vector<std::string>& feature_names,
                         int64_t file_rows,
                         const std::vector<RowDestination>& rows) {
  size_t next = 0;  // the next of `rows` to fill
  int64_t row = 0;  // the file's data row being read
  CsvColumns columns;
  MICON_RETURN_IF_ERROR(ReadDelimitedRows(
      path, 0, UnchangedHeader(columns, path, feature_names),
      [&](std::vector<std::string>& fields, size_t line) -> absl::Status {
        const int64_t this_row = row++;
        if (next == rows.size() || rows[next].row != this_row) {
          return absl::OkStatus();
        }
        float* to = rows[next++].to;
        return ParseFeatures(
            fields, columns, path, line,
            [to](size_t k, double v) { to[k] = static_cast<float>(v); });
      }));
  return CheckRowsUnchanged(path, row, file_rows);
}

}  // namespace

absl::StatusOr<ProfileFrame> ReadProfileFrame(const std::string& path,
                                              ProfileFrameRead what) {
  if (IsHdf5Path(path)) return ReadProfileFrameHdf5(path, what);
  return ReadCsvFrame(path, what);
}

absl::Status ReadProfileRows(const std::string& path,
                             const std::vector<std::string>& feature_names,
                             int64_t file_rows,
                             const std::vector<RowDestination>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].row < 0 || rows[i].row >= file_rows ||
        (i > 0 && rows[i].row <= rows[i - 1].row)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": rows to read must increase within [0, ",
                       file_rows, "); entry ", i, " is row ", rows[i].row));
    }
  }
  if (rows.empty()) return absl::OkStatus();  // not worth a pass over a CSV
  if (IsHdf5Path(path)) {
    return ReadProfileRowsHdf5(path, feature_names, file_rows, rows);
  }
  return ReadCsvRows(path, feature_names, file_rows, rows);
}

absl::Status ReadProfileFeatureBlocks(
    const std::string& path, const std::vector<std::string>& feature_names,
    int64_t file_rows, int64_t block_rows, const FeatureBlockSink& on_block) {
  TORCH_CHECK(block_rows > 0, "block_rows must be positive, got ", block_rows);
  if (IsHdf5Path(path)) {
    return ReadProfileFeatureBlocksHdf5(path, feature_names, file_rows,
                                        block_rows, on_block);
  }
  return ReadCsvBlocks(path, feature_names, file_rows, block_rows, on_block);
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
