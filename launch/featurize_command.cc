// `micon featurize DATASET`: RDKit features of a dataset's compounds, cached in
// the dataset.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/compound_features.h"
#include "data/compound_table.h"
#include "data/dataset.h"
#include "data/plate_store.h"
#include "launch/command.h"
#include "launch/flag_enum.h"

namespace micon {
namespace {

struct FeaturizeFlags {
  std::string dataset;
  FeaturizerOptions featurizer;
  std::string on_invalid = "error";
  std::string cache_dir;  // default <dataset>/.micon-cache
  bool no_cache = false;
};

absl::Status RunFeaturize(const FeaturizeFlags& flags) {
  // Only the compound table is read: plates need not be valid to featurise.
  MICON_ASSIGN_OR_RETURN(
      CompoundTable table,
      ReadCompoundTable(
          (std::filesystem::path(flags.dataset) / kCompoundsFile).string()));
  MICON_ASSIGN_OR_RETURN(
      const InvalidSmilesPolicy policy,
      ParseFlagEnum(kInvalidSmilesPolicyNames, "--on-invalid-smiles",
                    flags.on_invalid));
  const std::string cache = flags.no_cache ? ""
                            : !flags.cache_dir.empty()
                                ? flags.cache_dir
                                : DatasetPathsFor(flags.dataset).cache;
  std::vector<std::string> warnings;
  MICON_ASSIGN_OR_RETURN(
      CompoundFeatures features,
      LoadOrComputeCompoundFeatures(table, flags.featurizer, policy, cache,
                                    &warnings));
  for (const std::string& w : warnings)
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("%zu compound(s) featurised as %s (%d values each)%s\n",
              features.ids.size(), features.key.c_str(), features.dimension,
              features.from_cache ? ", from cache" : "");
  for (const ExcludedCompound& e : features.excluded) {
    std::fprintf(
        stderr,
        "warning: %s line %zu: compound %s excluded with its images: %s\n",
        table.path.c_str(), e.line, e.id.c_str(), e.reason.c_str());
  }
  return absl::OkStatus();
}

}  // namespace

void AddFeaturizeCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand(
      "featurize",
      "Compute (and cache) RDKit fingerprints of a dataset's compounds");
  auto f = std::make_shared<FeaturizeFlags>();
  sub->add_option("dataset", f->dataset, "Dataset folder")->required();
  sub->add_option("--radius", f->featurizer.radius, "Morgan radius")
      ->check(CLI::Range(0, 8))
      ->capture_default_str();
  sub->add_option("--bits", f->featurizer.bits, "Fingerprint length")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  sub->add_flag("--counts", f->featurizer.counts,
                "Occurrence counts instead of bits");
  sub->add_flag("--descriptors", f->featurizer.descriptors,
                "Append RDKit descriptors");
  sub->add_option("--on-invalid-smiles", f->on_invalid,
                  "error: stop at the first invalid SMILES; exclude: warn and "
                  "leave it out")
      ->capture_default_str();
  sub->add_option("--cache-dir", f->cache_dir,
                  "Feature cache folder (default DATASET/.micon-cache)");
  sub->add_flag("--no-cache", f->no_cache, "Neither read nor write the cache");
  sub->callback([&run, f] { run = [f] { return RunFeaturize(*f); }; });
}

}  // namespace micon
