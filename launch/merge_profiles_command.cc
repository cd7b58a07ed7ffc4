// micon merge-profiles: many profile files (one per plate, as CellProfiler and
// pycytominer write them) as the one table micon evaluate, embed and train
// read (data/profile_merge.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/duration_text.h"
#include "core/status_macros.h"
#include "data/profile_merge.h"
#include "launch/command.h"
#include "launch/flag_enum.h"
#include "launch/flag_pair.h"

namespace micon {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct MergeProfilesFlags {
  std::vector<std::string> inputs;
  std::string list;
  std::string output;
  std::string features = "same";
  std::vector<std::string> renames;    // FROM=TO
  std::vector<std::string> joins;      // TABLE or TABLE=KEY,KEY
  std::vector<std::string> constants;  // COLUMN=VALUE
  std::string controls;                // COLUMN=VALUE
  std::vector<std::string> drop_treated_without;
  double progress_seconds = 30;
};

// --join TABLE (keyed on every column the table and the metadata share) or
// TABLE=KEY,KEY. A path that exists is a table whole, even with an '=' in it.
absl::StatusOr<MetadataJoin> ParseJoin(const std::string& text) {
  if (fs::exists(text)) return MetadataJoin{text, {}};
  const size_t equals = text.rfind('=');
  MetadataJoin join{text.substr(0, equals), {}};
  if (!fs::exists(join.path)) {
    return absl::NotFoundError("--join: no table " + join.path);
  }
  join.keys =
      absl::StrSplit(text.substr(equals + 1), ',', absl::SkipWhitespace());
  if (join.keys.empty()) {
    return absl::InvalidArgumentError("--join " + text +
                                      ": no key column after '='");
  }
  return join;
}

// The flags that map pycytominer's metadata to micon's, as typed values.
absl::StatusOr<MetadataMapping> Mapping(const MergeProfilesFlags& flags) {
  MetadataMapping m;
  for (const std::string& text : flags.renames) {
    MICON_ASSIGN_OR_RETURN(auto rename,
                           ParseFlagPair("--rename", "FROM=TO", text));
    m.renames.push_back(std::move(rename));
  }
  for (const std::string& text : flags.joins) {
    MICON_ASSIGN_OR_RETURN(MetadataJoin join, ParseJoin(text));
    m.joins.push_back(std::move(join));
  }
  for (const std::string& text : flags.constants) {
    MICON_ASSIGN_OR_RETURN(auto constant,
                           ParseFlagPair("--set", "COLUMN=VALUE", text));
    m.constants.push_back(std::move(constant));
  }
  if (!flags.controls.empty()) {
    MICON_ASSIGN_OR_RETURN(
        m.controls,
        ParseFlagPair("--controls", "COLUMN=VALUE", flags.controls));
  }
  m.drop_treated_without = flags.drop_treated_without;
  return m;
}

bool IsProfileFileName(const std::string& name) {
  for (const char* suffix :
       {".csv", ".csv.gz", ".tsv", ".tsv.gz", ".h5", ".hdf5"}) {
    if (absl::EndsWith(name, suffix)) return true;
  }
  return false;
}

// A folder's profile files, sorted by name: the files directly in it whose
// names a profile reader takes (profile_frame.h).
absl::StatusOr<std::vector<std::string>> FolderInputs(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() &&
        IsProfileFileName(entry.path().filename().string())) {
      files.push_back(entry.path().string());
    }
  }
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": cannot list the folder: ", ec.message()));
  }
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat(
        dir,
        ": no profile file in the folder (.csv, .csv.gz, .tsv, .tsv.gz, "
        ".h5, .hdf5)"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The paths of a list file: one a line; blank lines and lines starting with
// '#' are skipped.
absl::StatusOr<std::vector<std::string>> ListedInputs(const std::string& list) {
  std::ifstream in(list);
  if (!in) return absl::NotFoundError(absl::StrCat(list, ": cannot read"));
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(in, line)) {
    const std::string path(absl::StripAsciiWhitespace(line));
    if (!path.empty() && path[0] != '#') paths.push_back(path);
  }
  if (paths.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(list, ": lists no file"));
  }
  return paths;
}

// The inputs in the order given: each folder becomes its profile files,
// --list's paths come last.
absl::StatusOr<std::vector<std::string>> Inputs(
    const MergeProfilesFlags& flags) {
  std::vector<std::string> inputs;
  for (const std::string& input : flags.inputs) {
    if (!fs::is_directory(input)) {
      inputs.push_back(input);
      continue;
    }
    MICON_ASSIGN_OR_RETURN(std::vector<std::string> files, FolderInputs(input));
    inputs.insert(inputs.end(), files.begin(), files.end());
  }
  if (!flags.list.empty()) {
    MICON_ASSIGN_OR_RETURN(std::vector<std::string> listed,
                           ListedInputs(flags.list));
    inputs.insert(inputs.end(), listed.begin(), listed.end());
  }
  if (inputs.empty()) {
    return absl::InvalidArgumentError(
        "give the profile files to merge: files, folders or --list FILE");
  }
  return inputs;
}

// "micon merge-profiles: features: file 120 of 3000, 1m30s", at most every
// `every_seconds` (none when <= 0).
std::function<void(int, size_t, size_t)> ProgressLines(double every_seconds) {
  if (every_seconds <= 0) return nullptr;
  const Clock::time_point start = Clock::now();
  auto last = std::make_shared<Clock::time_point>(start);
  return [start, last, every_seconds](int pass, size_t done, size_t inputs) {
    const Clock::time_point now = Clock::now();
    if (std::chrono::duration<double>(now - *last).count() < every_seconds) {
      return;
    }
    *last = now;
    std::fprintf(
        stderr, "micon merge-profiles: %s: file %zu of %zu, %s\n",
        pass == 1 ? "metadata" : "features", done, inputs,
        FormatDuration(std::chrono::duration<double>(now - start).count())
            .c_str());
    std::fflush(stderr);
  };
}

absl::Status RunMergeProfiles(const MergeProfilesFlags& flags) {
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string> inputs, Inputs(flags));
  ProfileMergeOptions options;
  MICON_ASSIGN_OR_RETURN(
      options.features,
      ParseFlagEnum(kFeatureAlignmentNames, "--features", flags.features));
  MICON_ASSIGN_OR_RETURN(options.metadata, Mapping(flags));
  options.on_input = ProgressLines(flags.progress_seconds);
  const Clock::time_point start = Clock::now();
  MICON_ASSIGN_OR_RETURN(const ProfileMergeSummary summary,
                         MergeProfileFiles(inputs, flags.output, options));
  std::printf("%s: %lld rows from %zu files, %s\n", flags.output.c_str(),
              static_cast<long long>(summary.rows), inputs.size(),
              FormatDuration(
                  std::chrono::duration<double>(Clock::now() - start).count())
                  .c_str());
  std::printf("  features: %zu%s\n", summary.feature_names.size(),
              options.features == FeatureAlignment::kSame
                  ? " (the same in every file)"
                  : " (those in every file)");
  if (!summary.dropped_features.empty()) {
    std::printf("  dropped: %zu features not in every file: %s\n",
                summary.dropped_features.size(),
                NamesInBrief(summary.dropped_features, 8).c_str());
  }
  for (const JoinSummary& j : summary.joins) {
    std::printf(
        "  joined %s on %s: added %s; %lld rows found no match "
        "(empty there)\n",
        j.path.c_str(), absl::StrJoin(j.keys, ", ").c_str(),
        j.added.empty() ? "nothing" : absl::StrJoin(j.added, ", ").c_str(),
        static_cast<long long>(j.unmatched));
  }
  for (const auto& [column, rows] : summary.left_out) {
    std::printf("  left out: %lld treated rows with an empty %s\n",
                static_cast<long long>(rows), column.c_str());
  }
  std::printf("  metadata: %zu columns\n", summary.metadata_names.size());
  // One line per number of files that lack a column: a mix of screens can
  // leave dozens of columns partial.
  std::map<size_t, std::vector<std::string>> lacked_by;
  for (const auto& [column, lacking] : summary.partial_metadata) {
    lacked_by[lacking].push_back(column);
  }
  for (const auto& [lacking, columns] : lacked_by) {
    std::printf("  missing from %zu of the %zu files (empty there): %s\n",
                lacking, inputs.size(), NamesInBrief(columns, 8).c_str());
  }
  return absl::OkStatus();
}

}  // namespace

void AddMergeProfilesCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand(
      "merge-profiles",
      "Merge profile files (CellProfiler's or micon's: one per plate, say) "
      "into one table for evaluate, embed and train; holds every row's "
      "metadata but one file's features at a time");
  auto f = std::make_shared<MergeProfilesFlags>();
  sub->add_option("inputs", f->inputs,
                  "Profile files (CSV/TSV, gzip or not, or micon's HDF5) or "
                  "folders of them (the files directly inside, sorted by "
                  "name), merged in the order given");
  sub->add_option("--list", f->list,
                  "A file naming more inputs, one path a line ('#' starts a "
                  "comment), merged after the others")
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", f->output,
                  "The merged table: HDF5 for a name ending in .h5 or .hdf5 "
                  "(read in plate slabs; best for a large screen), else CSV")
      ->required();
  sub->add_option("--features", f->features,
                  "same: every file must have the first's features (in any "
                  "order); common: keep the features every file has, as "
                  "after per-plate feature selection, and list the others")
      ->capture_default_str();
  sub->add_option("--rename", f->renames,
                  "FROM=TO: a metadata column's new name, e.g. "
                  "Metadata_broad_sample=Metadata_Compound (a joined column's "
                  "after the joins); repeat for each");
  sub->add_option("--join", f->joins,
                  "TABLE or TABLE=KEY,KEY: a CSV/TSV whose other Metadata_ "
                  "columns are added to each row with the same keys (by "
                  "default every column the two share), e.g. JUMP's "
                  "plate.csv.gz (Metadata_Batch) and well.csv.gz "
                  "(Metadata_JCP2022); rows without a match get empty "
                  "values; repeat for each, in order");
  sub->add_option("--set", f->constants,
                  "COLUMN=VALUE: a new metadata column with this value on "
                  "every row, e.g. Metadata_Source=cpg0002; repeat for each");
  sub->add_option("--controls", f->controls,
                  "COLUMN=VALUE: writes Metadata_Control, 1 where COLUMN "
                  "equals VALUE (e.g. Metadata_pert_type=control), else 0");
  sub->add_option("--drop-treated-without", f->drop_treated_without,
                  "Leave out the treated rows (Metadata_Control 0) whose "
                  "value in this column is empty, and count them: training "
                  "needs each treated well's compound and SMILES; repeat for "
                  "each column");
  sub->add_option("--progress-seconds", f->progress_seconds,
                  "A progress line at most this often; 0: none")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->callback([&run, f] { run = [f] { return RunMergeProfiles(*f); }; });
}

}  // namespace micon
