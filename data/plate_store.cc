#include "data/plate_store.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/plate_reader.h"

namespace micon {
namespace fs = std::filesystem;

absl::StatusOr<std::vector<std::string>> ListPlateFiles(
    const std::string& root) {
  const fs::path dir = fs::path(root) / kPlatesDir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return absl::NotFoundError(dir.string() + ": no plates folder");
  std::vector<std::string> paths;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".h5") paths.push_back(e.path().string());
  }
  if (ec)
    return absl::PermissionDeniedError(dir.string() + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<std::string> CheckPlateAgainstStore(
    const PlateMetadata& plate, const CompoundTable& compounds) {
  std::vector<std::string> problems;
  const std::string& path = plate.path;
  const std::string stem = fs::path(path).stem().string();
  if (plate.header.plate != stem) {
    problems.push_back(absl::StrCat(path, ": attribute plate is '",
                                    plate.header.plate,
                                    "' but the file is named ", stem, ".h5"));
  }
  if (plate.num_controls() == 0) {
    problems.push_back(absl::StrCat(
        path,
        ": dataset /control: plate has no control (DMSO) images; "
        "MICON pairs every treated image with a same-plate control"));
  }
  std::set<std::string> unknown;
  std::set<std::pair<std::string, int32_t>> seen;
  for (size_t i = 0; i < plate.images.size(); ++i) {
    const ImageRecord& r = plate.images[i];
    if (!r.control && compounds.Find(r.compound) == nullptr)
      unknown.insert(r.compound);
    if (!seen.emplace(r.well, r.site).second) {
      problems.push_back(absl::StrCat(path, ": datasets /well,/site: entry ", i,
                                      " repeats well ", r.well, " site ",
                                      r.site));
    }
  }
  if (!unknown.empty()) {
    problems.push_back(absl::StrCat(
        path, ": dataset /compound: ", unknown.size(), " compound(s) not in ",
        compounds.path, ": ", absl::StrJoin(unknown, ", ")));
  }
  return problems;
}

absl::StatusOr<PlateStoreScan> ScanPlateStore(const std::string& root) {
  return ScanPlateFolder(root, ReadPlateMetadata);
}

absl::StatusOr<PlateStore> OpenPlateStore(const std::string& root) {
  return OpenPlateFolder(root, ReadPlateMetadata);
}

absl::StatusOr<PlateStoreScan> ScanPlateFolder(
    const std::string& root, const PlateMetadataReader& read_plate) {
  PlateStoreScan scan;
  scan.store.root = root;
  MICON_ASSIGN_OR_RETURN(
      scan.store.compounds,
      ReadCompoundTable((fs::path(root) / kCompoundsFile).string()));
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> files, ListPlateFiles(root));
  if (files.empty())
    scan.problems.push_back(root + "/plates: no plate files (*.h5)");
  std::set<std::string> names;
  for (const std::string& file : files) {
    absl::StatusOr<PlateMetadata> plate = read_plate(file);
    if (!plate.ok()) {
      scan.problems.emplace_back(plate.status().message());
      continue;
    }
    for (std::string& p :
         CheckPlateAgainstStore(*plate, scan.store.compounds)) {
      scan.problems.push_back(std::move(p));
    }
    if (!names.insert(plate->header.plate).second) {
      scan.problems.push_back(file + ": duplicate plate name " +
                              plate->header.plate);
    }
    const auto& first = scan.store.plates;
    if (!first.empty() &&
        first.front().header.channels != plate->header.channels) {
      scan.problems.push_back(absl::StrCat(
          file, ": attribute channels [",
          absl::StrJoin(plate->header.channels, ", "), "] differs from ",
          first.front().path, " [",
          absl::StrJoin(first.front().header.channels, ", "), "]"));
    }
    scan.store.plates.push_back(*std::move(plate));
  }
  return scan;
}

absl::StatusOr<PlateStore> OpenPlateFolder(
    const std::string& root, const PlateMetadataReader& read_plate) {
  MICON_ASSIGN_OR_RETURN(PlateStoreScan scan,
                         ScanPlateFolder(root, read_plate));
  if (!scan.problems.empty()) {
    const size_t shown = std::min<size_t>(scan.problems.size(), 5);
    return absl::InvalidArgumentError(absl::StrCat(
        root, ": invalid plate store (", scan.problems.size(),
        " problem(s)):\n  ",
        absl::StrJoin(scan.problems.begin(), scan.problems.begin() + shown,
                      "\n  "),
        scan.problems.size() > shown ? "\n  ... (run `micon inspect` for all)"
                                     : ""));
  }
  return std::move(scan.store);
}

}  // namespace micon
