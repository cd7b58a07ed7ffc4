#include "data/delimited_table.h"

#include <csv.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "data/csv_writer.h"

namespace micon {
namespace {

// Reads the whole file, decompressing gzip transparently (gzread passes plain
// files through).
absl::StatusOr<std::string> ReadAllBytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return absl::NotFoundError(path + ": no such file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"),
                                                  gzclose);
  if (!file)
    return absl::PermissionDeniedError(path + ": cannot open for reading");
  std::string bytes;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file.get(), buffer, sizeof(buffer))) > 0)
    bytes.append(buffer, n);
  if (n < 0) {
    int err = 0;
    return absl::DataLossError(
        absl::StrCat(path, ": read failed (", gzerror(file.get(), &err), ")"));
  }
  return bytes;
}

struct ParseState {
  std::vector<std::string> record;
  std::vector<std::vector<std::string>> records;
};

void OnField(void* s, size_t len, void* data) {
  static_cast<ParseState*>(data)->record.emplace_back(
      static_cast<const char*>(s), len);
}

void OnRecordEnd(int, void* data) {
  auto* state = static_cast<ParseState*>(data);
  state->records.push_back(std::move(state->record));
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

absl::StatusOr<DelimitedTable> ReadDelimitedTable(const std::string& path,
                                                  char delimiter) {
  absl::StatusOr<std::string> bytes = ReadAllBytes(path);
  if (!bytes.ok()) return bytes.status();
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
  ParseState state;
  const size_t parsed = csv_parse(&parser, bytes->data(), bytes->size(),
                                  OnField, OnRecordEnd, &state);
  const bool failed = parsed != bytes->size() ||
                      csv_fini(&parser, OnField, OnRecordEnd, &state) != 0;
  const std::string error = csv_strerror(csv_error(&parser));
  csv_free(&parser);
  if (failed) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": malformed table near line ",
                     state.records.size() + 1, " (", error, ")"));
  }
  if (state.records.empty())
    return absl::InvalidArgumentError(path + ": empty file (no header)");
  DelimitedTable table;
  table.path = path;
  table.header = std::move(state.records.front());
  if (!table.header
           .empty()) {  // a UTF-8 byte-order mark from spreadsheet exports
    table.header[0] =
        std::string(absl::StripPrefix(table.header[0], "\xEF\xBB\xBF"));
  }
  for (size_t i = 1; i < state.records.size(); ++i) {
    if (state.records[i].size() != table.header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", i + 1, ": ", state.records[i].size(),
                       " fields, header has ", table.header.size()));
    }
    table.rows.push_back(std::move(state.records[i]));
  }
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

}  // namespace micon
