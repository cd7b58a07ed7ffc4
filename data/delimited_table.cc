#include "data/delimited_table.h"

#include <csv.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "data/csv_writer.h"

namespace micon {
namespace {

// What the parser's callbacks fill: the record being read, and where each
// one goes as it ends.
struct ParseState {
  const std::string& path;
  const RowsCallback& on_header;
  const RowsCallback& on_row;
  std::vector<std::string> record;
  size_t records = 0;   // completed, the header included
  size_t fields = 0;    // the header's
  absl::Status status;  // the first error, which stops the read

  // The header, or a row checked against the header's width.
  absl::Status EndRecord() {
    if (records == 0) {
      // A UTF-8 byte-order mark from spreadsheet exports.
      if (!record.empty()) {
        record[0] = std::string(absl::StripPrefix(record[0], "\xEF\xBB\xBF"));
      }
      fields = record.size();
      return on_header(record, 1);
    }
    if (record.size() != fields) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", records + 1, ": ", record.size(),
                       " fields, header has ", fields));
    }
    return on_row(record, records + 1);
  }
};

void OnField(void* s, size_t len, void* data) {
  static_cast<ParseState*>(data)->record.emplace_back(
      static_cast<const char*>(s), len);
}

void OnRecordEnd(int, void* data) {
  auto* state = static_cast<ParseState*>(data);
  if (state->status.ok()) state->status = state->EndRecord();
  ++state->records;
  state->record.clear();
}

}  // namespace

bool DelimitedTable::HasColumn(const std::string& name) const {
  return std::find(header.begin(), header.end(), name) != header.end();
}

absl::StatusOr<size_t> DelimitedTable::Column(const std::string& name) const {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no column '", name,
                     "' (columns: ", absl::StrJoin(header, ", "), ")"));
  }
  return static_cast<size_t>(it - header.begin());
}

absl::Status ReadDelimitedRows(const std::string& path, char delimiter,
                               const RowsCallback& on_header,
                               const RowsCallback& on_row) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return absl::NotFoundError(path + ": no such file");
  // gzread passes plain files through.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"),
                                                  gzclose);
  if (!file)
    return absl::PermissionDeniedError(path + ": cannot open for reading");
  if (delimiter == 0) {
    const std::string plain(absl::StripSuffix(path, ".gz"));
    delimiter = absl::EndsWith(plain, ".tsv") || absl::EndsWith(plain, ".txt")
                    ? '\t'
                    : ',';
  }
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::InternalError("libcsv: cannot initialise parser");
  }
  csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  ParseState state{path, on_header, on_row};
  // Parsed as it is read, so that a table costs its rows as the caller
  // keeps them, not its text (profiles.csv of 10^5 wells is gigabytes).
  char buffer[1 << 16];
  int n = 0;
  bool failed = false;
  while (!failed && state.status.ok() &&
         (n = gzread(file.get(), buffer, sizeof(buffer))) > 0) {
    failed = csv_parse(&parser, buffer, static_cast<size_t>(n), OnField,
                       OnRecordEnd, &state) != static_cast<size_t>(n);
  }
  if (!failed && state.status.ok() && n < 0) {
    int err = 0;
    csv_free(&parser);
    return absl::DataLossError(
        absl::StrCat(path, ": read failed (", gzerror(file.get(), &err), ")"));
  }
  if (!failed && state.status.ok()) {
    failed = csv_fini(&parser, OnField, OnRecordEnd, &state) != 0;
  }
  const std::string error = csv_strerror(csv_error(&parser));
  csv_free(&parser);
  if (!state.status.ok()) return state.status;
  if (failed) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": malformed table near line ", state.records + 1,
                     " (", error, ")"));
  }
  if (state.records == 0)
    return absl::InvalidArgumentError(path + ": empty file (no header)");
  return absl::OkStatus();
}

absl::StatusOr<DelimitedTable> ReadDelimitedTable(const std::string& path,
                                                  char delimiter) {
  DelimitedTable table;
  table.path = path;
  MICON_RETURN_IF_ERROR(ReadDelimitedRows(
      path, delimiter,
      [&table](std::vector<std::string>& header, size_t) {
        table.header = std::move(header);
        return absl::OkStatus();
      },
      [&table](std::vector<std::string>& row, size_t) {
        table.rows.push_back(std::move(row));
        return absl::OkStatus();
      }));
  return table;
}

absl::Status WriteCsv(const std::string& path,
                      const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  MICON_ASSIGN_OR_RETURN(CsvWriter csv, CsvWriter::Open(path));
  auto write_row = [&csv](const std::vector<std::string>& row) {
    for (const std::string& field : row) csv.Field(field);
    csv.EndRow();
  };
  write_row(header);
  for (const auto& row : rows) write_row(row);
  return csv.Commit();
}

bool IsMissingValue(const std::string& value) {
  constexpr absl::string_view kMissing[] = {
      "NA",   "N/A",  "n/a",  "nan",  "NaN",  "-nan", "-NaN",
      "None", "null", "NULL", "<NA>", "#N/A", "#NA",  "#N/A N/A"};
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  return trimmed.empty() || std::find(std::begin(kMissing), std::end(kMissing),
                                      trimmed) != std::end(kMissing);
}

}  // namespace micon
