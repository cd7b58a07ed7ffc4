// `micon convert`: Cell Painting Gallery style load_data + platemap + compounds
// -> plate store; under mpirun/srun each rank converts its share of the
// plates (AssignPlatesToShards), and rank 0 finishes the store.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/load_data_converter.h"
#include "distributed/launch_environment.h"
#include "launch/command.h"

namespace micon {
namespace {

// Every rank writes its share of the plates; one all-reduce then tells
// every rank whether all succeeded and how many fields were written, and
// rank 0 alone writes compounds.csv and checks the store.
absl::Status RunConvert(ConvertOptions options, ProcessState& process) {
  MICON_ASSIGN_OR_RETURN(const LaunchEnvironment launch,
                         DetectLaunchEnvironment(std::getenv));
  DistributedRequest distributed;
  distributed.backend =
      launch.world_size > 1 ? Backend::kMpi : Backend::kThreads;
  MICON_RETURN_IF_ERROR(StartDistributed(distributed, process));
  Communicator& comm = *process.dist->comm;
  options.shard = comm.rank();
  options.shards = comm.world_size();
  absl::StatusOr<ConvertedPlates> plates = ConvertPlates(options);
  // [failed ranks, plates, fields]
  at::Tensor totals = torch::tensor(
      {plates.ok() ? 0.0 : 1.0,
       plates.ok() ? static_cast<double>(plates->plate_files.size()) : 0.0,
       plates.ok() ? static_cast<double>(plates->images) : 0.0},
      torch::kFloat64);
  MICON_RETURN_IF_ERROR(comm.AllReduce(totals, {ReduceOp::kSum})->Wait());
  if (!plates.ok()) {
    return Annotate(plates.status(),
                    absl::StrCat("rank ", comm.rank(), " of ",
                                 comm.world_size(), " converting its plates"));
  }
  if (const int failed = static_cast<int>(totals[0].item<double>())) {
    return absl::AbortedError(
        absl::StrCat(failed,
                     " other rank(s) failed to convert their plates (their "
                     "errors are above); this rank's ",
                     plates->plate_files.size(), " plate(s) are written"));
  }
  if (comm.rank() != 0) return absl::OkStatus();
  MICON_ASSIGN_OR_RETURN(ConvertReport report,
                         FinishConvertedStore(options, *plates));
  std::printf("wrote %lld plate(s), %lld image(s), %lld compound(s) to %s",
              static_cast<long long>(totals[1].item<double>()),
              static_cast<long long>(totals[2].item<double>()),
              static_cast<long long>(report.compounds), options.output.c_str());
  if (comm.world_size() > 1) {
    std::printf(" on %d ranks (rank 0's plates below)", comm.world_size());
  }
  std::printf("\n");
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

void AddConvertCommand(CLI::App& app, CommandRun& run, ProcessState& process) {
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
  sub->callback([&run, &process, o] {
    process.distributed = true;
    run = [o, &process] { return RunConvert(*o, process); };
  });
}

}  // namespace micon
