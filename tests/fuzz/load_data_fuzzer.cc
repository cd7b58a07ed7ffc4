// CellProfiler load_data + platemap (data/load_data_converter.h). The input is
// the load_data CSV, then a line "=====", then the platemap TSV; the compound
// table is fixed. The images it names do not exist (or are whatever files the
// paths reach): the parsing and the checks before any pixel is read are what
// is fuzzed.
#include <filesystem>
#include <fstream>

#include "data/load_data_converter.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = micon::fuzz::Text(data, size);
  const size_t split = text.find("\n=====\n");
  const std::string load_data = text.substr(0, split);
  const std::string platemap =
      split == std::string::npos ? "" : text.substr(split + 7);
  micon::ConvertOptions o;
  o.load_data =
      micon::fuzz::InputFile(reinterpret_cast<const uint8_t*>(load_data.data()),
                             load_data.size(), ".load_data.csv");
  o.platemap =
      micon::fuzz::InputFile(reinterpret_cast<const uint8_t*>(platemap.data()),
                             platemap.size(), ".platemap.tsv");
  const std::string compounds =
      "broad_sample\tsmiles\nBRD-K1\tCCO\nBRD-K2\tc1ccccc1\n";
  o.compound_table =
      micon::fuzz::InputFile(reinterpret_cast<const uint8_t*>(compounds.data()),
                             compounds.size(), ".compounds.tsv");
  o.source = "s";
  o.batch = "b";
  o.output = std::filesystem::path(o.load_data).parent_path() / "store";
  o.overwrite = true;
  (void)micon::ConvertLoadData(o);
  return 0;
}
