// compound_features.h: the feature matrix of a dataset's compounds, with a
// per-dataset cache.
//
//   MICON_ASSIGN_OR_RETURN(CompoundFeatures f,
//       LoadOrComputeCompoundFeatures(table, options,
//                                     InvalidSmilesPolicy::kError, cache_dir,
//                                     &warnings));
//   const float* row = f.Row("BRD-K80935598-001-01-1");  // f.dimension floats,
//                                                        // or nullptr
//
// The cache is an HDF5 file per featuriser setting, valid while the table's
// compounds (each id, SMILES and line, in order: their CRC-32 and count) and
// the RDKit version are unchanged; it is written
// atomically, and a cache that cannot be read or written is recomputed or
// skipped with a warning, never trusted blindly.
#ifndef MICON_DATA_COMPOUND_FEATURES_H_
#define MICON_DATA_COMPOUND_FEATURES_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "core/enum_names.h"
#include "data/compound_table.h"
#include "data/molecule_featurizer.h"

namespace micon {

enum class InvalidSmilesPolicy {
  kError,    // the first invalid SMILES fails with its compound id and line
  kExclude,  // invalid compounds are left out and listed in
             // CompoundFeatures::excluded
};

inline constexpr EnumName<InvalidSmilesPolicy> kInvalidSmilesPolicyNames[] = {
    {"error", InvalidSmilesPolicy::kError},
    {"exclude", InvalidSmilesPolicy::kExclude}};

struct ExcludedCompound {
  std::string id;
  size_t line = 0;
  std::string reason;
};

struct CompoundFeatures {
  std::string key;  // FeaturizerOptions::Key()
  int dimension = 0;
  std::vector<std::string> ids;  // table order, excluded compounds left out
  std::vector<std::string> canonical_smiles;
  std::vector<float> values;  // [ids.size(), dimension], row-major
  std::vector<ExcludedCompound> excluded;
  bool from_cache = false;

  const float* Row(const std::string& id) const;
  void RebuildIndex();

 private:
  std::unordered_map<std::string, size_t> index_;
};

absl::StatusOr<CompoundFeatures> FeaturizeCompounds(
    const CompoundTable& table, const FeaturizerOptions& options,
    InvalidSmilesPolicy policy);

// As FeaturizeCompounds, reusing `<cache_dir>/features-<key>.h5` when it is
// still valid. An empty cache_dir disables caching. Cache problems are reported
// on `warnings`.
absl::StatusOr<CompoundFeatures> LoadOrComputeCompoundFeatures(
    const CompoundTable& table, const FeaturizerOptions& options,
    InvalidSmilesPolicy policy, const std::string& cache_dir,
    std::vector<std::string>* warnings);

}  // namespace micon

#endif  // MICON_DATA_COMPOUND_FEATURES_H_
