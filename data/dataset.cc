#include "data/dataset.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace micon {

namespace fs = std::filesystem;

DatasetPaths DatasetPathsFor(const std::string& path) {
  DatasetPaths paths;
  paths.path = path;
  std::error_code ec;
  const fs::path folder = fs::is_directory(path, ec)
                              ? fs::path(path)
                              : fs::path(path).parent_path();
  paths.folder = folder.string();
  paths.split = (folder / kScreenSplitFile).string();
  paths.cache = (folder / ".micon-cache").string();
  return paths;
}

const CompoundTable& Dataset::compounds() const {
  return kind == DatasetKind::kProfileTable ? table.compounds : store.compounds;
}

const std::vector<PlateMetadata>& Dataset::plates() const {
  return kind == DatasetKind::kProfileTable ? table.plates : store.plates;
}

Dataset Dataset::WithPlates(const std::vector<size_t>& indices) const {
  Dataset out;
  out.kind = kind;
  out.paths = paths;
  out.embedding_dim = embedding_dim;
  out.embedding_encoder = embedding_encoder;
  out.embedding_encoder_checksum = embedding_encoder_checksum;
  if (kind != DatasetKind::kProfileTable) {
    out.store.root = store.root;
    out.store.compounds = store.compounds;
    for (size_t i : indices) out.store.plates.push_back(store.plates.at(i));
  } else {
    out.table.path = table.path;
    out.table.feature_names = table.feature_names;
    out.table.compounds = table.compounds;
    out.table.rows_in_file = table.rows_in_file;
    for (size_t i : indices) {
      out.table.plates.push_back(table.plates.at(i));
      out.table.features.push_back(table.features.at(i));
      out.table.file_rows.push_back(table.file_rows.at(i));
    }
  }
  return out;
}

absl::Status CopyDatasetCompanions(const DatasetPaths& from,
                                   const std::string& folder) {
  const std::vector<std::pair<std::string, bool>> files = {
      {(fs::path(from.folder) / kCompoundsFile).string(), true},
      {from.split, false}};
  for (const auto& [source, required] : files) {
    std::error_code ec;
    if (!required && !fs::exists(source, ec)) continue;
    const fs::path target = fs::path(folder) / fs::path(source).filename();
    fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot copy ", source, " to ", target.string(), ": ", ec.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Dataset> OpenDataset(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(path +
                               ": no such dataset (a plate store "
                               "folder or a profile table file)");
  }
  Dataset dataset;
  dataset.paths = DatasetPathsFor(path);
  if (fs::is_directory(path, ec)) {
    absl::StatusOr<std::vector<std::string>> files = ListPlateFiles(path);
    if (files.ok() && !files->empty() && HasChannelEmbeddings(files->front())) {
      dataset.kind = DatasetKind::kEmbeddingStore;
      MICON_ASSIGN_OR_RETURN(ChannelEmbeddingStore store,
                             OpenChannelEmbeddingStore(path));
      dataset.store = std::move(store.index);
      dataset.embedding_dim = store.dim;
      dataset.embedding_encoder = std::move(store.encoder);
      dataset.embedding_encoder_checksum = std::move(store.encoder_checksum);
      return dataset;
    }
    dataset.kind = DatasetKind::kPlateStore;
    MICON_ASSIGN_OR_RETURN(dataset.store, OpenPlateStore(path));
  } else {
    dataset.kind = DatasetKind::kProfileTable;
    MICON_ASSIGN_OR_RETURN(dataset.table, ReadProfileTableIndex(path));
  }
  return dataset;
}

absl::StatusOr<DatasetSelection> SelectSplit(const Dataset& dataset,
                                             DatasetSplit split) {
  const std::vector<PlateMetadata>& plates = dataset.plates();
  DatasetSelection selection;
  if (split == DatasetSplit::kAll) {
    for (size_t i = 0; i < plates.size(); ++i) selection.plates.push_back(i);
    return selection;
  }
  MICON_ASSIGN_OR_RETURN(const ScreenSplit screen,
                         ReadScreenSplit(dataset.paths.split));
  std::set<std::string> found;
  for (size_t i = 0; i < plates.size(); ++i) {
    if (screen.train_plates.count(plates[i].header.plate)) {
      selection.plates.push_back(i);
      found.insert(plates[i].header.plate);
    }
  }
  if (found.size() != screen.train_plates.size()) {
    std::vector<std::string> missing;
    for (const std::string& p : screen.train_plates) {
      if (!found.count(p)) missing.push_back(p);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        dataset.paths.split, ": lists ", screen.train_plates.size(),
        " train plates but the dataset has ", found.size(),
        " of them (missing: ", absl::StrJoin(missing, ", "), ")"));
  }
  selection.held_out_compounds = screen.held_out_compounds;
  return selection;
}

}  // namespace micon
