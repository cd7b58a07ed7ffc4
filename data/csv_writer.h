// csv_writer.h: a CSV file written row by row, so that a table costs one
// buffer rather than its whole text (a million wells of 2,560 features are
// tens of gigabytes of text), and put in place as atomic_file.h puts files:
// under a temporary name until Commit, so that `path` keeps its old contents
// if the writer fails or is destroyed uncommitted.
//
//   MICON_ASSIGN_OR_RETURN(CsvWriter csv, CsvWriter::Open("profiles.csv"));
//   csv.Field("Metadata_Plate");  csv.Field("h_0");  csv.EndRow();
//   csv.Field("BR00117060");      csv.Number(0.25);  csv.EndRow();
//   MICON_RETURN_IF_ERROR(csv.Commit());
#ifndef MICON_DATA_CSV_WRITER_H_
#define MICON_DATA_CSV_WRITER_H_

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace micon {

class CsvWriter {
 public:
  static absl::StatusOr<CsvWriter> Open(const std::string& path);
  CsvWriter(CsvWriter&& other) noexcept;
  CsvWriter& operator=(CsvWriter&& other) noexcept;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  ~CsvWriter();  // uncommitted: closes and removes the temporary file

  // The next field of the row, quoted where it holds a comma, a quote or a
  // line break (RFC 4180).
  void Field(absl::string_view text);
  // The next field: `value` with 17 significant digits, which read back to
  // the same double.
  void Number(double value);
  void EndRow();

  // Writes what is buffered and renames the file into place; the first write
  // error, if any, is reported here (the temporary file is then removed).
  absl::Status Commit();

 private:
  CsvWriter(std::string path, std::string partial, std::FILE* file);
  void Separate();
  void FlushIfFull();
  void WriteBuffer();  // once a write failed, only counts the bytes
  void Discard();

  std::string path_, partial_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  bool row_started_ = false;
  int write_errno_ = 0;  // the first failed write's errno
  int64_t bytes_ = 0;
};

}  // namespace micon

#endif  // MICON_DATA_CSV_WRITER_H_
