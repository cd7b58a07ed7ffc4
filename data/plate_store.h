// plate_store.h: a dataset folder (compounds.csv + plates/<plate>.h5) opened
// and validated.
//
//   MICON_ASSIGN_OR_RETURN(PlateStore store,
//                          OpenPlateStore("screens/demo"));  // strict
//   MICON_ASSIGN_OR_RETURN(PlateStoreScan scan,
//                          ScanPlateStore("screens/demo"));  // inspect
//   for (const std::string& p : scan.problems) std::cerr << p << "\n";
//
// Beyond what each file must hold (plate_reader.h), a store requires: the
// `plate` attribute equals the file name; every plate has at least one control
// image; every treated image names a compound_id of compounds.csv (controls may
// name one that is not there, e.g. DMSO); (well, site) pairs are unique within
// a plate; all plates share channel names; plate names are unique. Only
// metadata is read here, never pixels.
#ifndef MICON_DATA_PLATE_STORE_H_
#define MICON_DATA_PLATE_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/compound_table.h"
#include "data/plate.h"

namespace micon {

inline constexpr char kCompoundsFile[] = "compounds.csv";
inline constexpr char kPlatesDir[] = "plates";

struct PlateStore {
  std::string root;
  CompoundTable compounds;
  std::vector<PlateMetadata> plates;  // sorted by file name
};

struct PlateStoreScan {
  PlateStore store;  // the plates that could be read
  // Every problem found, each naming its file and field.
  std::vector<std::string> problems;
};

// Reads everything it can and reports every problem; fails only when the folder
// itself or compounds.csv cannot be read.
absl::StatusOr<PlateStoreScan> ScanPlateStore(const std::string& root);

// As ScanPlateStore, but any problem is an error (listing the first few).
absl::StatusOr<PlateStore> OpenPlateStore(const std::string& root);

// The scan and the open above for any folder of plate-shaped files (the
// per-channel embedding store's too): `read_plate` reads one file's
// metadata.
using PlateMetadataReader =
    std::function<absl::StatusOr<PlateMetadata>(const std::string& path)>;
absl::StatusOr<PlateStoreScan> ScanPlateFolder(
    const std::string& root, const PlateMetadataReader& read_plate);
absl::StatusOr<PlateStore> OpenPlateFolder(
    const std::string& root, const PlateMetadataReader& read_plate);

// The store-level checks for one plate read from `path` (see the banner).
std::vector<std::string> CheckPlateAgainstStore(const PlateMetadata& plate,
                                                const CompoundTable& compounds);

// Paths of plates/<name>.h5 under `root`, sorted.
absl::StatusOr<std::vector<std::string>> ListPlateFiles(
    const std::string& root);

}  // namespace micon

#endif  // MICON_DATA_PLATE_STORE_H_
