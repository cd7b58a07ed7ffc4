// load_data_converter.h: Cell Painting Gallery style raw images -> plate store
// (DESIGN.md §3).
//
// Inputs, as CellProfiler pipelines and the Cell Painting Gallery lay them out:
//   load_data CSV   one row per field of view, FileName_<Ch>/PathName_<Ch>
//                   per channel (the "Orig" spelling FileName_OrigDNA is
//                   accepted), Metadata_Plate, Metadata_Well, Metadata_Site,
//                   and optionally Metadata_Source/Metadata_Batch.
//   platemap        well -> compound id (JUMP style: well_position,
//                   broad_sample; an empty compound means a DMSO control
//                   well).
//   compound table  compound id -> SMILES (JUMP style: broad_sample, smiles);
//                   its other columns (moa, InChIKey, ...) go to compounds.csv.
//
//   ConvertOptions o;
//   o.load_data = "load_data.csv";  o.platemap = "platemap.tsv";
//   o.compound_table = "compounds.tsv";  o.output = "screens/mine";
//   MICON_ASSIGN_OR_RETURN(ConvertReport report, ConvertLoadData(o));
//
// Relative PathName_ values are resolved against the load_data file's folder.
// Plates are written atomically; a plate file that already exists is an error
// unless `overwrite` is set.
#ifndef MICON_DATA_LOAD_DATA_CONVERTER_H_
#define MICON_DATA_LOAD_DATA_CONVERTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/compound_table.h"

namespace micon {

struct ConvertOptions {
  std::string load_data;
  std::string platemap;
  std::string platemap_well_column = "well_position";
  std::string platemap_compound_column = "broad_sample";
  std::string compound_table;
  std::string compound_id_column = "broad_sample";
  std::string smiles_column = "smiles";
  // Channels to store, in order. The default is the five Cell Painting stains;
  // naming a subset converts data that lacks some of them.
  std::vector<std::string> channels = {"DNA", "ER", "RNA", "AGP", "Mito"};
  // Used when load_data has no Metadata_Source / Metadata_Batch column.
  std::string source;
  std::string batch;
  // Platemap compounds that are negative controls; an empty platemap entry is
  // one too.
  std::vector<std::string> control_ids = {"DMSO"};
  std::string control_compound =
      "DMSO";  // the /compound value written for control images
  std::string output;
  int compression_level = 0;
  bool overwrite = false;
  // Under mpirun/srun: this process writes the plates of shard `shard` of
  // `shards` (plates balanced by field count, largest first). Every shard
  // checks the whole load_data before reading a pixel.
  int shard = 0;
  int shards = 1;
};

struct ConvertReport {
  std::vector<std::string> plate_files;
  int64_t images = 0;
  int64_t compounds = 0;
  std::vector<std::string>
      problems;  // store-level checks of the result (plate_store.h)
};

// Converts every plate (shards must be 1): ConvertPlates, then
// FinishConvertedStore.
absl::StatusOr<ConvertReport> ConvertLoadData(const ConvertOptions& options);

// This shard's plates, written; the compounds its wells use (the same on
// every shard: they come from the whole load_data).
struct ConvertedPlates {
  std::vector<std::string> plate_files;
  int64_t images = 0;
  std::map<std::string, Compound> used;  // by id
  // The compound table's columns beyond id and SMILES, which compounds.csv
  // keeps (each used compound's annotations follow them).
  std::vector<std::string> annotation_names;
};
absl::StatusOr<ConvertedPlates> ConvertPlates(const ConvertOptions& options);

// Once every shard's plates are written (one process): compounds.csv (adding
// to the one already in the store) and the store-level checks.
absl::StatusOr<ConvertReport> FinishConvertedStore(
    const ConvertOptions& options, const ConvertedPlates& plates);

// Which shard writes each plate, given each plate's field count: largest
// first, each to the shard with the fewest fields so far (the lowest on ties).
std::vector<int> AssignPlatesToShards(const std::vector<int64_t>& fields,
                                      int shards);

// "a1" -> "A01", "P24" -> "P24"; other spellings are returned upper-cased.
std::string NormalizeWellName(const std::string& well);

}  // namespace micon

#endif  // MICON_DATA_LOAD_DATA_CONVERTER_H_
