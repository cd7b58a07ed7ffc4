// Delimited tables (CSV, TSV, gzip), compound tables and profile CSVs. The
// first byte picks the reader; the rest is the file.
#include "data/compound_table.h"
#include "data/delimited_table.h"
#include "data/profile_frame.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using micon::fuzz::InputFile;
  switch (micon::fuzz::TakeSelector(&data, &size) % 5) {
    case 0:
      (void)micon::ReadDelimitedTable(InputFile(data, size, ".csv"));
      break;
    case 1:
      (void)micon::ReadDelimitedTable(InputFile(data, size, ".tsv"));
      break;
    case 2:
      (void)micon::ReadDelimitedTable(InputFile(data, size, ".csv.gz"));
      break;
    case 3:
      (void)micon::ReadCompoundTable(InputFile(data, size, ".csv"));
      break;
    default:
      (void)micon::ReadProfileFrame(InputFile(data, size, ".csv"));
  }
  return 0;
}
