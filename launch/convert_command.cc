// `micon convert`: Cell Painting Gallery style load_data + platemap + compounds
// -> plate store.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/load_data_converter.h"
#include "launch/command.h"

namespace micon {
namespace {

absl::Status RunConvert(const ConvertOptions& options) {
  MICON_ASSIGN_OR_RETURN(ConvertReport report, ConvertLoadData(options));
  std::printf("wrote %zu plate(s), %lld image(s), %lld compound(s) to %s\n",
              report.plate_files.size(), static_cast<long long>(report.images),
              static_cast<long long>(report.compounds), options.output.c_str());
  for (const std::string& f : report.plate_files)
    std::printf("  %s\n", f.c_str());
  if (report.problems.empty()) return absl::OkStatus();
  for (const std::string& p : report.problems)
    std::fprintf(stderr, "problem: %s\n", p.c_str());
  return absl::FailedPreconditionError(absl::StrCat(
      "converted, but the store at ", options.output, " has ",
      report.problems.size(),
      " problem(s) (listed above; `micon inspect` shows them again)"));
}

}  // namespace

void AddConvertCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub =
      app.add_subcommand("convert",
                         "Convert raw TIFFs listed in a CellProfiler load_data "
                         "CSV into a plate store");
  auto o = std::make_shared<ConvertOptions>();
  sub->add_option("--load-data", o->load_data,
                  "load_data CSV (FileName_*/PathName_* per channel)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--platemap", o->platemap,
                  "Platemap CSV/TSV (well -> compound id)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--platemap-well-column", o->platemap_well_column)
      ->capture_default_str();
  sub->add_option("--platemap-compound-column", o->platemap_compound_column)
      ->capture_default_str();
  sub->add_option("--compounds", o->compound_table,
                  "Compound table CSV/TSV (id -> SMILES)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--compound-id-column", o->compound_id_column)
      ->capture_default_str();
  sub->add_option("--smiles-column", o->smiles_column)->capture_default_str();
  sub->add_option("--channels", o->channels, "Channels to store, in order")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--source", o->source,
                  "Source name when load_data has no Metadata_Source");
  sub->add_option("--batch", o->batch,
                  "Batch name when load_data has no Metadata_Batch");
  sub->add_option("--control-ids", o->control_ids,
                  "Platemap compound ids that are controls")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--compression", o->compression_level,
                  "gzip level for /images, 0 = none")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  sub->add_flag("--overwrite", o->overwrite, "Replace existing plate files");
  sub->add_option("-o,--output", o->output, "Dataset folder to write")
      ->required();
  sub->callback([&run, o] { run = [o] { return RunConvert(*o); }; });
}

}  // namespace micon
