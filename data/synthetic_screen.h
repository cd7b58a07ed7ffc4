// synthetic_screen.h: Cell Painting-like screens with known ground truth,
// written as a plate store, for tests, the demo and benchmarks (`micon synth`).
//
//   SyntheticScreenOptions o;
//   o.compound_table = "shared/data/jump_moa/JUMP-MOA_compound_metadata.tsv";
//   o.output = "screens/demo";
//   MICON_ASSIGN_OR_RETURN(SyntheticScreenReport r, GenerateSyntheticScreen(o));
//
// Biology: each compound's phenotype is a fixed function of its RDKit Morgan
// fingerprint (a fixed random projection, the same in every screen), so
// structure predicts phenotype, similar structures give similar phenotypes and
// unseen compounds are predictable. A deterministic share of structures is
// inactive (phenotype 0, like DMSO). The phenotype changes how cells are drawn:
// nucleus and cell size, nuclear elongation, per-stain intensity, ER texture
// frequency, mitochondrial puncta and cell density. Technique
// (synthetic_technique.h): per-channel gain and offset at source, batch, plate
// and well level, strong enough that raw intensity features group wells by
// batch rather than by compound, and, each with its own strength, effects that
// per-plate normalisation cannot undo (optics, illumination fields, channel
// crosstalk, culture density and size, debris).
// Layout: every plate has control (DMSO) wells; every training compound is on
// every training plate, so on several plates of every batch and source;
// held-out plates (the last batch of the last source by default; optionally the
// last batch of every source and whole sources) are skipped by training and
// are the only plates with held-out compounds. Output: the plate store, plus
// `screen.json` with the options, the split and each compound's ground truth.
// Deterministic in the options (seed included), whatever the thread count.
// With a plate map (a real 384-well layout: well position, compound id; no id
// = a DMSO well) every plate is that map, its compounds are the screen's, and
// a share of the eligible compounds is held out by structure cluster
// (structure_clusters.h): their wells stay on every plate, and training never
// samples them (screen.json lists them).
// Presets: "default" (the fields' defaults), "hard" (the benchmark screen of
// docs/SYNTHETIC.md) and "target2" (the JUMP-Target-2 map on 24 plates, the
// regime benchmark's screen); fixed, so results on them are comparable.
#ifndef MICON_DATA_SYNTHETIC_SCREEN_H_
#define MICON_DATA_SYNTHETIC_SCREEN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/synthetic_technique.h"

namespace micon {

struct SyntheticScreenOptions {
  std::string
      compound_table;  // CSV/TSV with real SMILES (e.g. JUMP-MOA metadata)
  std::string id_column = "broad_sample";
  std::string smiles_column = "smiles";
  std::string output;
  int sources = 2;
  int batches_per_source = 2;
  int plates_per_batch = 2;
  int wells_per_plate = 24;  // including control wells
  int control_wells_per_plate = 4;
  int sites_per_well = 2;
  int image_size = 64;
  std::vector<std::string> channels = {"DNA", "ER", "RNA", "AGP", "Mito"};
  int compounds = 16;  // taken from the table, held-out ones included
  int held_out_compounds = 2;
  // Held-out plates: the last `held_out_sources` sources entirely, plus the
  // last batch of every source (or, by default, only of the last source when
  // there are held-out compounds).
  int held_out_sources = 0;
  bool held_out_batch_per_source = false;
  double inactive_fraction = 0.2;
  // A plate map replaces wells_per_plate, control_wells_per_plate, compounds
  // and held_out_compounds: they follow from the map and the fraction.
  std::string plate_map;
  std::string plate_map_well_column = "well_position";
  double held_out_fraction = 0.2;  // of the eligible compounds
  // Only compound-table rows whose `eligible_column` holds `eligible_value`
  // may be held out (empty column: all).
  std::string eligible_column;
  std::string eligible_value;
  double cluster_similarity = 0.4;  // Tanimoto, Morgan r2 1024 bits
  TechnicalEffects technique;
  uint64_t seed = 1;
  int threads = 0;  // 0 = all available cores
  bool overwrite = false;

  absl::Status Validate() const;
};

struct SyntheticScreenReport {
  std::vector<std::string> plate_files;
  int64_t images = 0;
  std::vector<std::string> compounds;
  std::vector<std::string> held_out_compounds;
  std::vector<std::string> held_out_plates;
  int inactive = 0;
  int structure_clusters = 0;  // with a plate map
};

// The named presets: "default" leaves `options` alone; "hard" and "target2"
// set the layout, the inactive share and every technical effect. Output,
// compound table, plate map, seed and threads are never touched; "target2"
// refuses to run without a plate map.
absl::Status ApplySyntheticPreset(const std::string& name,
                                  SyntheticScreenOptions* options);

absl::StatusOr<SyntheticScreenReport> GenerateSyntheticScreen(
    const SyntheticScreenOptions& options);

// Phenotype of a structure (length kPhenotypeDim), the ground truth the
// generator draws from.
inline constexpr int kPhenotypeDim = 32;
absl::StatusOr<std::vector<double>> StructurePhenotype(
    const std::string& smiles, double inactive_fraction);

}  // namespace micon

#endif  // MICON_DATA_SYNTHETIC_SCREEN_H_
