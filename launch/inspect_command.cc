// `micon inspect [--strict] DATASET`: what a plate store holds, every problem
// found in it (exit 1), and the data-quality warnings of data/data_quality.h,
// for which every image is read.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/data_quality.h"
#include "data/delimited_table.h"
#include "data/molecule_featurizer.h"
#include "data/plate_store.h"
#include "launch/command.h"

namespace micon {
namespace {

struct InspectFlags {
  std::string root;
  bool strict = false;
};

// Reads every image: pixel findings become problems (errors) or warnings.
std::vector<std::string> CheckContents(const PlateStore& store,
                                       std::vector<std::string>* problems) {
  std::vector<QualityFinding> findings = CheckReplicateWells(store.plates);
  for (const PlateMetadata& p : store.plates) {
    absl::StatusOr<std::vector<QualityFinding>> pixels = CheckPlatePixels(p);
    if (!pixels.ok()) {
      problems->emplace_back(pixels.status().message());
      continue;
    }
    findings.insert(findings.end(), pixels->begin(), pixels->end());
  }
  std::vector<std::string> warnings;
  for (QualityFinding& f : findings) {
    (f.severity == QualityFinding::Severity::kError ? *problems : warnings)
        .push_back(std::move(f.message));
  }
  return warnings;
}

void PrintList(const char* title, const std::vector<std::string>& items) {
  if (items.empty()) {
    std::printf("\n%-10s none\n", title);
    return;
  }
  std::printf("\n%-10s %zu\n", title, items.size());
  for (const std::string& i : items) std::printf("  - %s\n", i.c_str());
}

absl::Status RunInspect(const InspectFlags& flags) {
  const std::string& root = flags.root;
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
  if (!store.compounds.annotation_names.empty()) {
    // What micon embed will write beside each well as Metadata_<column>, and
    // how many compounds have a value (what --consistency COLUMN can use).
    std::vector<std::string> columns;
    for (size_t a = 0; a < store.compounds.annotation_names.size(); ++a) {
      const size_t with_value = std::count_if(
          store.compounds.compounds.begin(), store.compounds.compounds.end(),
          [a](const Compound& c) { return !IsMissingValue(c.annotations[a]); });
      columns.push_back(absl::StrCat(store.compounds.annotation_names[a], " ",
                                     with_value, "/",
                                     store.compounds.compounds.size()));
    }
    std::printf("annotated  %s\n", absl::StrJoin(columns, ", ").c_str());
  }
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
  const std::vector<std::string> warnings =
      CheckContents(store, &scan.problems);
  PrintList("problems", scan.problems);
  PrintList("warnings", warnings);
  const size_t fatal =
      scan.problems.size() + (flags.strict ? warnings.size() : 0);
  if (fatal == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      root, ": ", fatal, " problem(s) found (listed above",
      flags.strict && !warnings.empty() ? "; --strict counts the warnings" : "",
      ")"));
}

}  // namespace

void AddInspectCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand("inspect",
                                     "Summarise a plate store, read every "
                                     "image and list every problem (exit 1 "
                                     "if there are any) and warning");
  auto f = std::make_shared<InspectFlags>();
  sub->add_option("dataset", f->root,
                  "Dataset folder (compounds.csv + plates/*.h5)")
      ->required();
  sub->add_flag("--strict", f->strict,
                "Warnings (blank or saturated images, compounds in a single "
                "well) are problems too");
  sub->callback([&run, f] { run = [f] { return RunInspect(*f); }; });
}

}  // namespace micon
