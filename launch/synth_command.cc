// `micon synth`: generate a synthetic Cell Painting screen with known ground
// truth.
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/synthetic_screen.h"
#include "launch/command.h"

namespace micon {
namespace {

absl::Status RunSynth(const SyntheticScreenOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  MICON_ASSIGN_OR_RETURN(SyntheticScreenReport r,
                         GenerateSyntheticScreen(options));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf(
      "wrote %zu plates, %lld images (%dx%d, %zu channels) to %s in %.1f s\n",
      r.plate_files.size(), static_cast<long long>(r.images),
      options.image_size, options.image_size, options.channels.size(),
      options.output.c_str(), seconds);
  if (r.structure_clusters > 0) {
    std::printf("structure clusters: %d; %zu compounds held out by cluster\n",
                r.structure_clusters, r.held_out_compounds.size());
  }
  std::printf(
      "compounds: %zu (%d inactive); held out: %s; held-out plates: %s\n",
      r.compounds.size(), r.inactive,
      absl::StrJoin(r.held_out_compounds, ", ").c_str(),
      absl::StrJoin(r.held_out_plates, ", ").c_str());
  return absl::OkStatus();
}

}  // namespace

void AddSynthCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub =
      app.add_subcommand("synth",
                         "Generate a synthetic Cell Painting screen with "
                         "ground truth (docs/SYNTHETIC.md)");
  auto o = std::make_shared<SyntheticScreenOptions>();
  // The options a preset sets, gathered as they are declared: giving one with
  // a preset is refused rather than silently winning or losing.
  auto fixed = std::make_shared<std::vector<CLI::Option*>>();
  auto fix = [&fixed](CLI::Option* option) { fixed->push_back(option); };
  sub->add_option("--compounds", o->compound_table,
                  "Table of real SMILES (CSV/TSV)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--id-column", o->id_column)->capture_default_str();
  sub->add_option("--smiles-column", o->smiles_column)->capture_default_str();
  sub->add_option("-o,--output", o->output, "Dataset folder to write")
      ->required();
  fix(sub->add_option("--sources", o->sources)
          ->capture_default_str()
          ->check(CLI::PositiveNumber));
  fix(sub->add_option("--batches-per-source", o->batches_per_source)
          ->capture_default_str());
  fix(sub->add_option("--plates-per-batch", o->plates_per_batch)
          ->capture_default_str());
  // What a plate map decides, refused beside one.
  auto by_map = std::make_shared<std::vector<CLI::Option*>>();
  auto from_map = [&](CLI::Option* option) {
    fix(option);
    by_map->push_back(option);
  };
  from_map(sub->add_option("--wells", o->wells_per_plate,
                           "Wells per plate, controls included")
               ->capture_default_str());
  from_map(sub->add_option("--control-wells", o->control_wells_per_plate)
               ->capture_default_str());
  sub->add_option("--plate-map", o->plate_map,
                  "Every plate follows this map (TSV/CSV: well position, "
                  "compound id; none = DMSO); its compounds are the screen's")
      ->check(CLI::ExistingFile);
  sub->add_option("--plate-map-well-column", o->plate_map_well_column)
      ->capture_default_str();
  fix(sub->add_option("--held-out-fraction", o->held_out_fraction,
                      "With --plate-map: share of the eligible compounds held "
                      "out, by structure cluster")
          ->capture_default_str());
  fix(sub->add_option("--sites", o->sites_per_well)->capture_default_str());
  fix(sub->add_option("--image-size", o->image_size)->capture_default_str());
  sub->add_option("--channels", o->channels)
      ->delimiter(',')
      ->capture_default_str();
  from_map(
      sub->add_option("--n-compounds", o->compounds)->capture_default_str());
  from_map(sub->add_option("--held-out-compounds", o->held_out_compounds)
               ->capture_default_str());
  fix(sub->add_option("--inactive-fraction", o->inactive_fraction)
          ->capture_default_str());
  fix(sub->add_option("--held-out-sources", o->held_out_sources,
                      "Last sources held out entirely")
          ->capture_default_str());
  fix(sub->add_flag("--held-out-batch-per-source", o->held_out_batch_per_source,
                    "Hold out the last batch of every source"));
  fix(sub->add_option(
             "--technical-strength", o->technique.intensity,
             "Per-channel gain/offset, vignette, plate defocus (0 = none)")
          ->capture_default_str());
  fix(sub->add_option("--optics", o->technique.optics,
                      "Per-source point-spread blur")
          ->capture_default_str());
  fix(sub->add_option("--illumination", o->technique.illumination,
                      "Per-source illumination field across the view")
          ->capture_default_str());
  fix(sub->add_option("--crosstalk", o->technique.crosstalk,
                      "Per-source bleed-through between neighbouring channels")
          ->capture_default_str());
  fix(sub->add_option("--culture", o->technique.culture,
                      "Per-batch cell density and size")
          ->capture_default_str());
  fix(sub->add_option("--debris", o->technique.debris,
                      "Per-batch debris and background haze")
          ->capture_default_str());
  sub->add_option("--seed", o->seed)->capture_default_str();
  sub->add_option("--workers", o->threads, "Generator threads (0 = all cores)")
      ->capture_default_str();
  sub->add_flag("--overwrite", o->overwrite, "Replace existing plate files");
  auto preset = std::make_shared<std::string>("default");
  sub->add_option("--preset", *preset,
                  "default; hard: the fixed benchmark screen; target2: the "
                  "regime benchmark's screen, with --plate-map "
                  "JUMP-Target-2_compound_platemap.tsv (docs/SYNTHETIC.md); "
                  "layout and effect flags then refused")
      ->capture_default_str();
  sub->callback([&run, o, preset, fixed, by_map] {
    run = [o, preset, fixed, by_map]() -> absl::Status {
      if (!o->plate_map.empty()) {
        for (const CLI::Option* option : *by_map) {
          if (option->count() > 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("synth: --plate-map decides ", option->get_name(),
                             "; drop one of them"));
          }
        }
      }
      if (*preset != "default") {
        for (const CLI::Option* option : *fixed) {
          if (option->count() > 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("synth: --preset ", *preset, " fixes ",
                             option->get_name(), "; drop one of them"));
          }
        }
      }
      MICON_RETURN_IF_ERROR(ApplySyntheticPreset(*preset, o.get()));
      return RunSynth(*o);
    };
  });
}

}  // namespace micon
