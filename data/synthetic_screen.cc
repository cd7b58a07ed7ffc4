#include "data/synthetic_screen.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "core/torch_threads.h"
#include "data/compound_table.h"
#include "data/delimited_table.h"
#include "data/molecule_featurizer.h"
#include "data/plate_store.h"
#include "data/plate_writer.h"
#include "data/random_stream.h"
#include "data/structure_clusters.h"
#include "data/synthetic_cells.h"
#include "data/synthetic_technique.h"

namespace micon {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kStructureSeed = 0x5eed'5717'0002ull;
constexpr int kFingerprintBits = 1024;
constexpr char kControlCompound[] = "DMSO";

struct PlatePlan {
  std::string name, source, batch;
  int source_index, batch_index, plate_index;
  bool held_out;
  std::vector<std::string> well_name;
  std::vector<std::string> well_compound;  // "" = control
};

// Every plate's layout when the screen follows a real plate map.
struct PlateMap {
  std::vector<std::string> well_name;
  std::vector<std::string> compound;  // "" = control
  std::vector<std::string> distinct;  // treated compounds, first-seen order
};

struct CompoundTruth {
  Compound compound;
  std::vector<double> phenotype;
  bool active = true;
  bool held_out = false;
  int cluster = -1;  // with a plate map
};

std::string WellName(int index) {
  return absl::StrFormat("%c%02d", 'A' + index / 24, index % 24 + 1);
}

// A generated layout: controls evenly spaced, the pool's compounds in a
// plate-specific order, repeated to fill the wells.
void LayOutPlate(const SyntheticScreenOptions& o, std::vector<std::string> pool,
                 PlatePlan* plan) {
  std::mt19937_64 rng = RandomStream(
      o.seed, {7, uint64_t(plan->source_index), uint64_t(plan->batch_index),
               uint64_t(plan->plate_index)});
  std::shuffle(pool.begin(), pool.end(), rng);
  const int controls_every = o.wells_per_plate / o.control_wells_per_plate;
  int controls = 0, next = 0;
  for (int w = 0; w < o.wells_per_plate; ++w) {
    plan->well_name.push_back(WellName(w));
    const bool is_control =
        controls < o.control_wells_per_plate && w % controls_every == 0;
    if (is_control) {
      ++controls;
      plan->well_compound.push_back("");
    } else {
      plan->well_compound.push_back(pool[next++ % pool.size()]);
    }
  }
}

absl::Status WritePlate(const SyntheticScreenOptions& o, const PlatePlan& plan,
                        const std::map<std::string, CellMorphology>& morphology,
                        const CellMorphology& control,
                        const std::string& path) {
  const int channels = static_cast<int>(o.channels.size());
  const int size = o.image_size;
  const PlateTechnique technique(o.technique, o.seed,
                                 {plan.source_index, plan.batch_index,
                                  plan.plate_index, StableHash(plan.name)},
                                 channels, size);
  PlateHeader header{plan.source, plan.batch, plan.name,         o.channels,
                     size,        size,       PixelType::kUint16};
  MICON_ASSIGN_OR_RETURN(PlateWriter writer,
                         PlateWriter::Create(path, header, {0, o.overwrite}));
  std::vector<float> field;
  std::vector<uint16_t> out(static_cast<size_t>(channels) * size * size);
  for (size_t w = 0; w < plan.well_compound.size(); ++w) {
    const std::string& compound = plan.well_compound[w];
    const CellMorphology m =
        technique.Culture(compound.empty() ? control : morphology.at(compound));
    for (int site = 0; site < o.sites_per_well; ++site) {
      std::mt19937_64 rng = RandomStream(
          o.seed, {5, StableHash(plan.name), uint64_t(w), uint64_t(site)});
      RenderField(m, o.channels, size, rng, &field);
      technique.Image(&field, static_cast<int>(w), rng, out.data());
      MICON_RETURN_IF_ERROR(writer.Append(
          {plan.well_name[w], site,
           compound.empty() ? kControlCompound : compound, compound.empty()},
          out.data()));
    }
  }
  return writer.Finish();
}

absl::StatusOr<PlateMap> ReadPlateMap(const SyntheticScreenOptions& o) {
  MICON_ASSIGN_OR_RETURN(DelimitedTable table, ReadDelimitedTable(o.plate_map));
  MICON_ASSIGN_OR_RETURN(size_t well_col,
                         table.Column(o.plate_map_well_column));
  MICON_ASSIGN_OR_RETURN(size_t id_col, table.Column(o.id_column));
  PlateMap map;
  std::set<std::string> wells, compounds;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& well = table.rows[r][well_col];
    std::string id = table.rows[r][id_col];
    if (well.empty() || !wells.insert(well).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(o.plate_map, " line ", table.Line(r), ": well '", well,
                       "' is empty or repeated"));
    }
    if (id == kControlCompound) id.clear();
    if (!id.empty() && compounds.insert(id).second) map.distinct.push_back(id);
    map.well_name.push_back(well);
    map.compound.push_back(id);
  }
  if (map.well_name.size() < 2 || map.well_name.size() > 384 ||
      map.distinct.size() < 2 ||
      std::count(map.compound.begin(), map.compound.end(), "") == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(o.plate_map,
                     ": a plate map needs 2-384 wells, 2 or more compounds "
                     "and a control (empty or DMSO) well; it has ",
                     map.well_name.size(), " wells and ", map.distinct.size(),
                     " compounds"));
  }
  return map;
}

// The map's compounds, each looked up in the compound table; eligible ones are
// held out by structure cluster.
absl::StatusOr<std::vector<CompoundTruth>> ChooseMapCompounds(
    const SyntheticScreenOptions& o, const DelimitedTable& table,
    const PlateMap& map, SyntheticScreenReport* report) {
  MICON_ASSIGN_OR_RETURN(size_t id_col, table.Column(o.id_column));
  MICON_ASSIGN_OR_RETURN(size_t smiles_col, table.Column(o.smiles_column));
  const AnnotationColumns annotations =
      AnnotationColumnsOf(table.header, o.id_column, o.smiles_column);
  size_t eligible_col = 0;
  if (!o.eligible_column.empty()) {
    MICON_ASSIGN_OR_RETURN(eligible_col, table.Column(o.eligible_column));
  }
  std::map<std::string, size_t> row_of;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    row_of.emplace(table.rows[r][id_col], r);  // the first row of an id wins
  }
  const MoleculeFeaturizer featurizer({2, kFingerprintBits, false, false});
  std::vector<CompoundTruth> out;
  std::vector<std::vector<float>> bits;
  std::vector<bool> eligible;
  for (const std::string& id : map.distinct) {
    const auto it = row_of.find(id);
    if (it == row_of.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          o.plate_map, ": compound ", id, " is not in ", o.compound_table));
    }
    const std::vector<std::string>& row = table.rows[it->second];
    CompoundTruth t;
    t.compound = {id, row[smiles_col], table.Line(it->second),
                  AnnotationsOfRow(annotations, row)};
    const absl::Status valid = ValidateSmiles(t.compound.smiles);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(o.compound_table, " line ", t.compound.line,
                       " (compound ", id, "): ", valid.message()));
    }
    MICON_ASSIGN_OR_RETURN(
        t.phenotype,
        StructurePhenotype(t.compound.smiles, o.inactive_fraction));
    t.active = std::any_of(t.phenotype.begin(), t.phenotype.end(),
                           [](double v) { return v != 0; });
    MICON_ASSIGN_OR_RETURN(MoleculeFeatures f,
                           featurizer.Featurize(t.compound.smiles));
    bits.push_back(std::move(f.values));
    eligible.push_back(o.eligible_column.empty() ||
                       row[eligible_col] == o.eligible_value);
    out.push_back(std::move(t));
  }
  std::vector<size_t> order(out.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng = RandomStream(o.seed, {10});
  std::shuffle(order.begin(), order.end(), rng);
  const std::vector<int> cluster =
      LeaderClusters(bits, order, o.cluster_similarity);
  const std::vector<bool> held_out =
      HoldOutClusters(cluster, eligible, o.held_out_fraction, o.seed);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].held_out = held_out[i];
    out[i].cluster = cluster[i];
  }
  report->structure_clusters =
      *std::max_element(cluster.begin(), cluster.end()) + 1;
  return out;
}

absl::StatusOr<std::vector<CompoundTruth>> ChooseCompounds(
    const SyntheticScreenOptions& o, const DelimitedTable& table) {
  MICON_ASSIGN_OR_RETURN(size_t id_col, table.Column(o.id_column));
  MICON_ASSIGN_OR_RETURN(size_t smiles_col, table.Column(o.smiles_column));
  const AnnotationColumns annotations =
      AnnotationColumnsOf(table.header, o.id_column, o.smiles_column);
  std::vector<Compound> usable;
  std::set<std::string> seen;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& id = table.rows[r][id_col];
    const std::string& smiles = table.rows[r][smiles_col];
    if (id.empty() || id == kControlCompound || !seen.insert(id).second)
      continue;
    if (!ValidateSmiles(smiles).ok()) continue;  // blinded or broken structures
    if (smiles == "CS(C)=O" || smiles == "C[S+](C)[O-]")
      continue;  // DMSO itself
    usable.push_back({id, smiles, table.Line(r),
                      AnnotationsOfRow(annotations, table.rows[r])});
  }
  if (static_cast<int>(usable.size()) < o.compounds) {
    return absl::InvalidArgumentError(absl::StrCat(
        o.compound_table, ": only ", usable.size(),
        " compounds with a valid SMILES, ", o.compounds, " requested"));
  }
  std::mt19937_64 rng = RandomStream(o.seed, {6});
  std::shuffle(usable.begin(), usable.end(), rng);
  std::vector<CompoundTruth> out;
  for (int i = 0; i < o.compounds; ++i) {
    CompoundTruth t;
    t.compound = usable[i];
    MICON_ASSIGN_OR_RETURN(
        t.phenotype, StructurePhenotype(usable[i].smiles, o.inactive_fraction));
    t.active = std::any_of(t.phenotype.begin(), t.phenotype.end(),
                           [](double v) { return v != 0; });
    t.held_out = i >= o.compounds - o.held_out_compounds;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

absl::Status SyntheticScreenOptions::Validate() const {
  auto bad = [](const std::string& m) {
    return absl::InvalidArgumentError("synth: " + m);
  };
  if (output.empty()) return bad("no output folder");
  if (sources < 1 || batches_per_source < 1 || plates_per_batch < 1) {
    return bad("sources, batches per source and plates per batch must be >= 1");
  }
  if (control_wells_per_plate < 1)
    return bad("every plate needs at least one control well");
  if (wells_per_plate < 2 || wells_per_plate > 384)
    return bad("wells per plate must be 2-384");
  if (sites_per_well < 1) return bad("sites per well must be >= 1");
  if (image_size < 16 || image_size > 2048)
    return bad("image size must be 16-2048 pixels");
  if (channels.empty()) return bad("no channels");
  if (!plate_map.empty()) {
    if (held_out_fraction < 0 || held_out_fraction >= 1)
      return bad("held-out fraction must be in [0, 1)");
    if (cluster_similarity <= 0 || cluster_similarity > 1)
      return bad("cluster similarity must be in (0, 1]");
    if (eligible_column.empty() != eligible_value.empty())
      return bad("an eligible column needs its value, and a value its column");
  }
  if (compounds < 2) return bad("at least 2 compounds");
  if (held_out_compounds < 0 || held_out_compounds >= compounds) {
    return bad("held-out compounds must be 0 to compounds - 1");
  }
  if (held_out_compounds > 0 && sources * batches_per_source < 2) {
    return bad("held-out compounds need a second batch to live on");
  }
  if (wells_per_plate - control_wells_per_plate < compounds) {
    return bad(absl::StrCat(wells_per_plate - control_wells_per_plate,
                            " treated wells per plate cannot hold ", compounds,
                            " compounds"));
  }
  if (inactive_fraction < 0 || inactive_fraction > 1)
    return bad("inactive fraction must be 0-1");
  if (const char* effect = technique.FirstNegative()) {
    return bad(absl::StrCat(effect, " must be >= 0"));
  }
  if (held_out_sources < 0 || held_out_sources >= sources) {
    return bad("held-out sources must be 0 to sources - 1");
  }
  if (held_out_batch_per_source && batches_per_source < 2) {
    return bad(
        "a held-out batch per source needs 2 or more batches per source");
  }
  return absl::OkStatus();
}

namespace {

// Fixed before any method was compared on it (docs/SYNTHETIC.md): the
// MICON reference's data in miniature. Every plate is the JUMP-Target-2 map
// (306 compounds, 64 DMSO wells); 4 sources x 3 batches x 2 plates, held out
// as in "hard" (the last batch of every source and the whole fourth source),
// with hard's effects. A fifth of the treatments (pert_type trt), whole
// structure clusters at a time, are unseen compounds; the positive controls
// always train, as in the reference.
absl::Status ApplyTarget2Preset(SyntheticScreenOptions* o) {
  if (o->plate_map.empty()) {
    return absl::InvalidArgumentError(
        "synth: --preset target2 needs --plate-map (the JUMP-Target-2 map, "
        "shared/data/jump_target/JUMP-Target-2_compound_platemap.tsv)");
  }
  o->sources = 4;
  o->batches_per_source = 3;
  o->plates_per_batch = 2;
  o->sites_per_well = 2;
  o->image_size = 64;
  o->held_out_sources = 1;
  o->held_out_batch_per_source = true;
  o->inactive_fraction = 0.05;
  o->held_out_fraction = 0.2;
  o->eligible_column = "pert_type";
  o->eligible_value = "trt";
  o->cluster_similarity = 0.4;
  o->technique = {
      /*intensity=*/1.0, /*optics=*/1.0,  /*illumination=*/1.0,
      /*crosstalk=*/1.0, /*culture=*/1.0, /*debris=*/1.0};
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplySyntheticPreset(const std::string& name,
                                  SyntheticScreenOptions* o) {
  if (name == "default") return absl::OkStatus();
  if (name == "target2") return ApplyTarget2Preset(o);
  if (name != "hard") {
    return absl::InvalidArgumentError(absl::StrCat(
        "synth: unknown preset '", name, "' (default, hard or target2)"));
  }
  // Fixed before any method was compared on it (docs/SYNTHETIC.md): 3
  // training sources x 2 training batches; the third batch of every source
  // and the whole fourth source are held out, so replicate matching can be
  // scored across unseen batches and an unseen source.
  o->sources = 4;
  o->batches_per_source = 3;
  o->plates_per_batch = 2;
  o->wells_per_plate = 48;
  o->control_wells_per_plate = 8;
  o->sites_per_well = 2;
  o->image_size = 64;
  o->compounds = 32;
  o->held_out_compounds = 6;
  o->held_out_sources = 1;
  o->held_out_batch_per_source = true;
  o->inactive_fraction = 0.05;
  o->technique = {
      /*intensity=*/1.0, /*optics=*/1.0,  /*illumination=*/1.0,
      /*crosstalk=*/1.0, /*culture=*/1.0, /*debris=*/1.0};
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> StructurePhenotype(
    const std::string& smiles, double inactive_fraction) {
  const MoleculeFeaturizer featurizer({2, kFingerprintBits, false, false});
  MICON_ASSIGN_OR_RETURN(MoleculeFeatures f, featurizer.Featurize(smiles));
  std::vector<double> phenotype(kPhenotypeDim, 0.0);
  const double u =
      (StableHash(f.canonical_smiles) >> 11) * (1.0 / 9007199254740992.0);
  if (u < inactive_fraction) return phenotype;
  double on = 0;
  for (float v : f.values) on += v;
  std::mt19937_64 rng(kStructureSeed);
  std::normal_distribution<double> normal;
  for (int k = 0; k < kPhenotypeDim; ++k) {
    double s = 0;
    for (int b = 0; b < kFingerprintBits; ++b) s += normal(rng) * f.values[b];
    phenotype[k] = std::tanh(1.0 * s / std::sqrt(std::max(1.0, on)));
  }
  return phenotype;
}

absl::StatusOr<SyntheticScreenReport> GenerateSyntheticScreen(
    const SyntheticScreenOptions& options) {
  MICON_RETURN_IF_ERROR(options.Validate());
  SyntheticScreenOptions o = options;
  SyntheticScreenReport report;
  std::vector<CompoundTruth> truth;
  PlateMap map;
  // Its columns beyond id and SMILES (moa, InChIKey, ...) go to compounds.csv.
  MICON_ASSIGN_OR_RETURN(const DelimitedTable compound_table,
                         ReadDelimitedTable(o.compound_table));
  if (o.plate_map.empty()) {
    MICON_ASSIGN_OR_RETURN(truth, ChooseCompounds(o, compound_table));
  } else {
    MICON_ASSIGN_OR_RETURN(map, ReadPlateMap(o));
    MICON_ASSIGN_OR_RETURN(truth,
                           ChooseMapCompounds(o, compound_table, map, &report));
    o.wells_per_plate = static_cast<int>(map.well_name.size());
    o.control_wells_per_plate = static_cast<int>(
        std::count(map.compound.begin(), map.compound.end(), ""));
    o.compounds = static_cast<int>(truth.size());
    o.held_out_compounds = static_cast<int>(
        std::count_if(truth.begin(), truth.end(),
                      [](const CompoundTruth& t) { return t.held_out; }));
  }
  std::map<std::string, CellMorphology> morphology;
  std::vector<std::string> training, all;
  for (const CompoundTruth& t : truth) {
    morphology[t.compound.id] = MorphologyFor(t.phenotype, o.image_size);
    all.push_back(t.compound.id);
    report.compounds.push_back(t.compound.id);
    if (t.held_out) {
      report.held_out_compounds.push_back(t.compound.id);
    } else {
      training.push_back(t.compound.id);
    }
    if (!t.active) ++report.inactive;
  }
  const CellMorphology control =
      MorphologyFor(std::vector<double>(kPhenotypeDim, 0.0), o.image_size);

  std::vector<PlatePlan> plans;
  for (int s = 0; s < o.sources; ++s) {
    for (int b = 0; b < o.batches_per_source; ++b) {
      for (int p = 0; p < o.plates_per_batch; ++p) {
        PlatePlan plan;
        plan.source = absl::StrFormat("source_%d", s + 1);
        plan.batch = absl::StrFormat("batch_%d_%d", s + 1, b + 1);
        plan.name = absl::StrFormat("S%dB%dP%d", s + 1, b + 1, p + 1);
        plan.source_index = s;
        plan.batch_index = b;
        plan.plate_index = p;
        const bool last_batch = b == o.batches_per_source - 1;
        plan.held_out =
            s >= o.sources - o.held_out_sources ||
            (last_batch && (o.held_out_batch_per_source ||
                            (o.held_out_compounds > 0 && s == o.sources - 1)));
        if (o.plate_map.empty()) {
          LayOutPlate(o, plan.held_out ? all : training, &plan);
        } else {
          plan.well_name = map.well_name;
          plan.well_compound = map.compound;
        }
        if (plan.held_out) report.held_out_plates.push_back(plan.name);
        plans.push_back(std::move(plan));
      }
    }
  }

  std::error_code ec;
  fs::create_directories(fs::path(o.output) / kPlatesDir, ec);
  if (ec) return absl::PermissionDeniedError(o.output + ": " + ec.message());
  std::vector<Compound> table;
  for (const CompoundTruth& t : truth) table.push_back(t.compound);
  MICON_RETURN_IF_ERROR(WriteCompoundTable(
      (fs::path(o.output) / kCompoundsFile).string(), table,
      AnnotationColumnsOf(compound_table.header, o.id_column, o.smiles_column)
          .names));

  // Plates are independent: generate them on worker threads (HDF5 serialises
  // the writes).
  const int threads =
      std::max(1, std::min<int>(o.threads > 0 ? o.threads : AvailableCores(),
                                static_cast<int>(plans.size())));
  std::vector<absl::Status> results(plans.size());
  std::vector<std::string> paths(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    paths[i] =
        (fs::path(o.output) / kPlatesDir / (plans[i].name + ".h5")).string();
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < plans.size(); i += threads) {
        results[i] = WritePlate(o, plans[i], morphology, control, paths[i]);
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const absl::Status& s : results) MICON_RETURN_IF_ERROR(s);
  report.plate_files = paths;
  report.images =
      static_cast<int64_t>(plans.size()) * o.wells_per_plate * o.sites_per_well;

  nlohmann::json screen;
  screen["generator"] = "micon synth";
  screen["options"] = {
      {"sources", o.sources},
      {"batches_per_source", o.batches_per_source},
      {"plates_per_batch", o.plates_per_batch},
      {"wells_per_plate", o.wells_per_plate},
      {"control_wells_per_plate", o.control_wells_per_plate},
      {"sites_per_well", o.sites_per_well},
      {"image_size", o.image_size},
      {"channels", o.channels},
      {"compounds", o.compounds},
      {"held_out_compounds", o.held_out_compounds},
      {"held_out_sources", o.held_out_sources},
      {"held_out_batch_per_source", o.held_out_batch_per_source},
      {"inactive_fraction", o.inactive_fraction},
      {"technical_strength", o.technique.intensity},
      {"optics", o.technique.optics},
      {"illumination", o.technique.illumination},
      {"crosstalk", o.technique.crosstalk},
      {"culture", o.technique.culture},
      {"debris", o.technique.debris},
      {"seed", o.seed},
      {"compound_table", o.compound_table},
      {"plate_map", o.plate_map},
      {"held_out_fraction", o.held_out_fraction},
      {"eligible_column", o.eligible_column},
      {"eligible_value", o.eligible_value},
      {"cluster_similarity", o.cluster_similarity}};
  std::vector<std::string> train_plates;
  for (const PlatePlan& p : plans) {
    if (!p.held_out) train_plates.push_back(p.name);
  }
  screen["train_plates"] = train_plates;
  screen["held_out_plates"] = report.held_out_plates;
  screen["held_out_compounds"] = report.held_out_compounds;
  for (const CompoundTruth& t : truth) {
    screen["compounds"].push_back({{"compound_id", t.compound.id},
                                   {"smiles", t.compound.smiles},
                                   {"active", t.active},
                                   {"held_out", t.held_out},
                                   {"structure_cluster", t.cluster},
                                   {"phenotype", t.phenotype}});
  }
  const std::string json_path = (fs::path(o.output) / "screen.json").string();
  std::ofstream(json_path) << screen.dump(2) << "\n";
  return report;
}

}  // namespace micon
