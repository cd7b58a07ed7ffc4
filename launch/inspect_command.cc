// `micon inspect DATASET`: what a plate store holds and every problem found in
// it.
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/molecule_featurizer.h"
#include "data/plate_store.h"
#include "launch/command.h"

namespace micon {
namespace {

absl::Status RunInspect(const std::string& root) {
  MICON_ASSIGN_OR_RETURN(PlateStoreScan scan, ScanPlateStore(root));
  const PlateStore& store = scan.store;
  for (const Compound& c : store.compounds.compounds) {
    absl::Status smiles = ValidateSmiles(c.smiles);
    if (!smiles.ok()) {
      scan.problems.push_back(absl::StrCat(store.compounds.path, " line ",
                                           c.line, ": compound ", c.id, ": ",
                                           smiles.message()));
    }
  }
  std::set<std::string> sources, batches, used_compounds;
  int64_t images = 0, controls = 0;
  for (const PlateMetadata& p : store.plates) {
    sources.insert(p.header.source);
    batches.insert(p.header.source + "/" + p.header.batch);
    images += p.num_images();
    controls += p.num_controls();
    for (const ImageRecord& r : p.images) {
      if (!r.control) used_compounds.insert(r.compound);
    }
  }
  std::printf("dataset    %s\n", root.c_str());
  std::printf("compounds  %zu in %s, %zu on plates\n",
              store.compounds.compounds.size(), kCompoundsFile,
              used_compounds.size());
  std::printf("sources    %zu: %s\n", sources.size(),
              absl::StrJoin(sources, ", ").c_str());
  std::printf("batches    %zu\n", batches.size());
  std::printf("plates     %zu\n", store.plates.size());
  std::printf("images     %lld (%lld controls)\n",
              static_cast<long long>(images), static_cast<long long>(controls));
  if (!store.plates.empty()) {
    const PlateHeader& h = store.plates.front().header;
    std::printf("channels   %lld: %s; %lldx%lld %s\n",
                static_cast<long long>(h.num_channels()),
                absl::StrJoin(h.channels, ", ").c_str(),
                static_cast<long long>(h.height),
                static_cast<long long>(h.width), PixelTypeName(h.pixel_type));
    std::printf("\n%-24s %-14s %-22s %7s %6s %9s %10s\n", "plate", "source",
                "batch", "images", "wells", "controls", "compounds");
    for (const PlateMetadata& p : store.plates) {
      std::set<std::string> wells, compounds;
      for (const ImageRecord& r : p.images) {
        wells.insert(r.well);
        if (!r.control) compounds.insert(r.compound);
      }
      std::printf("%-24s %-14s %-22s %7lld %6zu %9lld %10zu\n",
                  p.header.plate.c_str(), p.header.source.c_str(),
                  p.header.batch.c_str(),
                  static_cast<long long>(p.num_images()), wells.size(),
                  static_cast<long long>(p.num_controls()), compounds.size());
    }
  }
  if (scan.problems.empty()) {
    std::printf("\nproblems   none\n");
    return absl::OkStatus();
  }
  std::printf("\nproblems   %zu\n", scan.problems.size());
  for (const std::string& p : scan.problems) std::printf("  - %s\n", p.c_str());
  return absl::InvalidArgumentError(absl::StrCat(
      root, ": ", scan.problems.size(), " problem(s) found (listed above)"));
}

}  // namespace

void AddInspectCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand("inspect",
                                     "Summarise a plate store and list every "
                                     "problem (exit 1 if there are any)");
  auto root = std::make_shared<std::string>();
  sub->add_option("dataset", *root,
                  "Dataset folder (compounds.csv + plates/*.h5)")
      ->required();
  sub->callback([&run, root] { run = [root] { return RunInspect(*root); }; });
}

}  // namespace micon
