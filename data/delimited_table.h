// delimited_table.h: CSV/TSV files (optionally gzip-compressed) as a header
// plus string rows.
//
//   MICON_ASSIGN_OR_RETURN(DelimitedTable t, ReadDelimitedTable("compounds.csv"));
//   MICON_ASSIGN_OR_RETURN(size_t smiles, t.Column("smiles"));
//   for (size_t r = 0; r < t.rows.size(); ++r) Use(t.rows[r][smiles], t.Line(r));
//
// Parsing is RFC 4180 (quoted fields, doubled quotes, embedded delimiters) by
// libcsv. The delimiter follows the file name (.tsv/.tsv.gz: tab, otherwise
// comma) unless given. Blank lines are skipped; Line() assumes no field spans
// lines, which holds for every table micon reads in practice and only affects
// the line numbers printed in errors.
#ifndef MICON_DATA_DELIMITED_TABLE_H_
#define MICON_DATA_DELIMITED_TABLE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct DelimitedTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>>
      rows;  // every row has header.size() fields

  // Index of column `name`; the error names the file and lists the columns it
  // has.
  absl::StatusOr<size_t> Column(const std::string& name) const;
  bool HasColumn(const std::string& name) const;
  // 1-based line of data row `row` in the file (the header is line 1).
  size_t Line(size_t row) const { return row + 2; }
};

// delimiter 0 = infer from the file name.
absl::StatusOr<DelimitedTable> ReadDelimitedTable(const std::string& path,
                                                  char delimiter = 0);

// The same file as it is read, a record at a time, for tables too large to
// hold as text: `on_header` gets the header (line 1), then `on_row` each row
// with its 1-based line (as DelimitedTable::Line counts). Either may take the
// fields (they are not used again) and may stop the read with an error,
// which is returned. The errors of ReadDelimitedTable are the same.
using RowsCallback =
    std::function<absl::Status(std::vector<std::string>& fields, size_t line)>;
absl::Status ReadDelimitedRows(const std::string& path, char delimiter,
                               const RowsCallback& on_header,
                               const RowsCallback& on_row);

// Whether a field says "no value": empty after trimming, or a marker pandas
// reads as missing by default (NA, N/A, nan, None, null, <NA>, #N/A, ...),
// which annotation tables use for compounds without one.
bool IsMissingValue(const std::string& value);

// Writes a comma-separated file atomically (temporary name, then rename),
// quoting as needed.
absl::Status WriteCsv(const std::string& path,
                      const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows);

}  // namespace micon

#endif  // MICON_DATA_DELIMITED_TABLE_H_
