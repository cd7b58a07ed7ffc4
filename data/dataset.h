// dataset.h: a dataset as micon opens it: what kind it is, its compounds and
// plates, and the files it keeps beside them.
//
//   MICON_ASSIGN_OR_RETURN(Dataset d, OpenDataset("screens/demo"));
//   d.kind;          // DatasetKind::kPlateStore (a folder)
//   d.plates();      // sorted by plate name
//   d.paths.split;   // screens/demo/screen.json
//   MICON_ASSIGN_OR_RETURN(DatasetSelection s, SelectSplit(d, DatasetSplit::kTrain));
//
// Kinds, told apart by what the path is:
//   a folder  a plate store (plate_store.h): compounds.csv + plates/*.h5,
//             or a per-channel embedding store (channel_embedding_store.h)
//             when its plate files hold /embeddings
//   a file    a profile table (profile_table.h): CSV/TSV (gzip or not) or
//             micon's profile HDF5
// A dataset's folder (the store itself, or the folder holding the table)
// also holds, when present:
//   screen.json    which plates and compounds are held out (screen_split.h)
//   .micon-cache/  compound features computed by micon (compound_features.h)
// This header is the one place that knows those names.
#ifndef MICON_DATA_DATASET_H_
#define MICON_DATA_DATASET_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/enum_names.h"
#include "data/channel_embedding_store.h"
#include "data/compound_table.h"
#include "data/plate.h"
#include "data/plate_store.h"
#include "data/profile_table.h"
#include "data/screen_split.h"

namespace micon {

enum class DatasetKind { kPlateStore, kProfileTable, kEmbeddingStore };

inline constexpr EnumName<DatasetKind> kDatasetKindNames[] = {
    {"plate store", DatasetKind::kPlateStore},
    {"profile table", DatasetKind::kProfileTable},
    {"per-channel embedding store", DatasetKind::kEmbeddingStore}};

struct DatasetPaths {
  std::string path;    // as given
  std::string folder;  // the store, or the folder holding the table
  std::string split;   // <folder>/screen.json
  std::string cache;   // <folder>/.micon-cache
};

// Where the dataset at `path` keeps its files. Reads nothing but whether
// `path` is a folder.
DatasetPaths DatasetPathsFor(const std::string& path);

struct Dataset {
  DatasetKind kind = DatasetKind::kPlateStore;
  DatasetPaths paths;
  // kPlateStore, and kEmbeddingStore's index (its plates' metadata)
  PlateStore store;
  // kProfileTable: its plates are groups of rows. OpenDataset reads its
  // index only; a reader of features calls ReadPlateFeatures for the plates
  // it needs (a training rank, its shard).
  ProfileTable table;
  // kEmbeddingStore: each vector's width and the encoder that made them
  int64_t embedding_dim = 0;
  std::string embedding_encoder;
  std::string embedding_encoder_checksum;

  const CompoundTable& compounds() const;
  const std::vector<PlateMetadata>& plates() const;
  // Only the plates `indices` (into plates()), in that order; for a table,
  // with their feature rows where read.
  Dataset WithPlates(const std::vector<size_t>& indices) const;
};

// Copies the files that make a folder of plates a dataset (compounds.csv,
// and screen.json when `from` has one) into `folder`, which must exist:
// what a store derived from another (`micon embed --per-channel`) needs to
// train and evaluate with the same compounds and split.
absl::Status CopyDatasetCompanions(const DatasetPaths& from,
                                   const std::string& folder);

// A folder opens as a plate store or an embedding store, a file as a profile
// table; every error names the path and what is wrong with it.
absl::StatusOr<Dataset> OpenDataset(const std::string& path);

// Which plates and compounds training may use (data.split).
enum class DatasetSplit {
  kTrain,  // screen.json's train_plates, without its held_out_compounds
  kAll,    // every plate and compound
};

inline constexpr EnumName<DatasetSplit> kDatasetSplitNames[] = {
    {"train", DatasetSplit::kTrain}, {"all", DatasetSplit::kAll}};

struct DatasetSelection {
  std::vector<size_t> plates;  // indices into Dataset::plates(), ascending
  std::set<std::string> held_out_compounds;
};

// kTrain needs screen.json; an error names it, or the plates it lists that
// the dataset does not have.
absl::StatusOr<DatasetSelection> SelectSplit(const Dataset& dataset,
                                             DatasetSplit split);

}  // namespace micon

#endif  // MICON_DATA_DATASET_H_
