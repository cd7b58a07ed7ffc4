#include "data/compound_features.h"

#include <RDGeneral/versions.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"
#include "data/hdf5_fields.h"

namespace micon {
namespace {

constexpr char kIds[] = "compound_id";
constexpr char kCanonical[] = "canonical_smiles";
constexpr char kFeatures[] = "features";
constexpr char kExcludedId[] = "excluded_compound_id";
constexpr char kExcludedLine[] = "excluded_line";
constexpr char kExcludedReason[] = "excluded_reason";
constexpr char kValidity[] = "validity";

// Identifies the inputs a cache was computed from: the compounds (id, SMILES
// and line, in order), settings, policy, RDKit. Not the table file's bytes: a
// profile table is its own compound table, and hashing it read 2 GB into
// memory at 10^5 wells of 2,560 float64 features to validate features of 83
// compounds, on every rank, at every start (20 GB at 10^6 wells).
std::string CacheValidity(const CompoundTable& table, const std::string& key,
                          InvalidSmilesPolicy policy) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto add = [&crc](const std::string& text) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(text.data()),
                static_cast<uInt>(text.size()));
  };
  for (const Compound& c : table.compounds) {
    add(absl::StrCat(c.id.size(), ":", c.id, c.smiles.size(), ":", c.smiles,
                     ":", c.line, "\n"));
  }
  return absl::StrCat(
      key,
      ";policy=", policy == InvalidSmilesPolicy::kError ? "error" : "exclude",
      ";compounds=", table.compounds.size(), ";crc32=", crc,
      ";rdkit=", RDKit::rdkitVersion);
}

absl::StatusOr<CompoundFeatures> ReadCache(const std::string& path,
                                           const std::string& validity,
                                           int dimension) {
  QuietHdf5Errors();
  MICON_ASSIGN_OR_RETURN(
      Hdf5Id file, Hdf5Call(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                            H5Fclose, "open"));
  MICON_ASSIGN_OR_RETURN(std::string stored,
                         ReadStringAttribute(file.get(), kValidity));
  if (stored != validity)
    return absl::FailedPreconditionError("stale (inputs changed)");
  CompoundFeatures f;
  f.dimension = dimension;
  MICON_ASSIGN_OR_RETURN(f.ids, ReadStringDataset(file.get(), kIds));
  MICON_ASSIGN_OR_RETURN(f.canonical_smiles,
                         ReadStringDataset(file.get(), kCanonical));
  MICON_ASSIGN_OR_RETURN(
      f.values,
      ReadFloatDataset(file.get(), kFeatures,
                       static_cast<int64_t>(f.ids.size()) * dimension));
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> ex_ids,
                         ReadStringDataset(file.get(), kExcludedId));
  MICON_ASSIGN_OR_RETURN(std::vector<int64_t> ex_lines,
                         ReadIntegerDataset(file.get(), kExcludedLine));
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> ex_why,
                         ReadStringDataset(file.get(), kExcludedReason));
  if (f.canonical_smiles.size() != f.ids.size() ||
      f.values.size() != f.ids.size() * dimension ||
      ex_lines.size() != ex_ids.size() || ex_why.size() != ex_ids.size()) {
    return absl::DataLossError("inconsistent dataset sizes");
  }
  for (size_t i = 0; i < ex_ids.size(); ++i) {
    f.excluded.push_back(
        {ex_ids[i], static_cast<size_t>(ex_lines[i]), ex_why[i]});
  }
  return f;
}

absl::Status WriteCacheFile(const std::string& partial,
                            const std::string& validity,
                            const CompoundFeatures& f) {
  QuietHdf5Errors();
  {
    MICON_ASSIGN_OR_RETURN(Hdf5Id file,
                           Hdf5Call(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC,
                                              H5P_DEFAULT, H5P_DEFAULT),
                                    H5Fclose, "create " + partial));
    const hid_t h = file.get();
    std::vector<std::string> ex_ids, ex_why;
    std::vector<int64_t> ex_lines;
    for (const ExcludedCompound& e : f.excluded) {
      ex_ids.push_back(e.id);
      ex_lines.push_back(static_cast<int64_t>(e.line));
      ex_why.push_back(e.reason);
    }
    MICON_RETURN_IF_ERROR(WriteStringAttribute(h, kValidity, validity));
    MICON_RETURN_IF_ERROR(WriteStringDataset(h, kIds, f.ids));
    MICON_RETURN_IF_ERROR(
        WriteStringDataset(h, kCanonical, f.canonical_smiles));
    MICON_RETURN_IF_ERROR(WriteNumericDataset(
        h, kFeatures, H5T_NATIVE_FLOAT,
        {f.ids.size(), static_cast<hsize_t>(f.dimension)}, f.values.data()));
    MICON_RETURN_IF_ERROR(WriteStringDataset(h, kExcludedId, ex_ids));
    MICON_RETURN_IF_ERROR(
        WriteNumericDataset(h, kExcludedLine, H5T_NATIVE_INT64,
                            {ex_lines.size()}, ex_lines.data()));
    MICON_RETURN_IF_ERROR(WriteStringDataset(h, kExcludedReason, ex_why));
    MICON_RETURN_IF_ERROR(file.Close());
  }
  return absl::OkStatus();
}

// Every job on the dataset shares its cache, and jobs started together (the
// regime study's parallel trainings, a test suite) all find it missing and
// write it at once. So each process builds the file under a name of its own
// before the rename: with one shared temporary name, one process truncated
// and rewrote the file another had just committed, and a cache of empty ids
// and zero features was left in place and trusted
// (CompoundFeaturesTest.ProcessesWritingTheCacheAtOnceLeaveAWholeFile).
absl::Status WriteCache(const std::string& path, const std::string& validity,
                        const CompoundFeatures& f) {
  const std::string partial = absl::StrCat(PartialPath(path), "-", ::getpid());
  absl::Status written = WriteCacheFile(partial, validity, f);
  if (written.ok()) written = CommitFile(partial, path);
  if (!written.ok()) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
  }
  return written;
}

}  // namespace

const float* CompoundFeatures::Row(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : values.data() + it->second * dimension;
}

void CompoundFeatures::RebuildIndex() {
  index_.clear();
  for (size_t i = 0; i < ids.size(); ++i) index_.emplace(ids[i], i);
}

absl::StatusOr<CompoundFeatures> FeaturizeCompounds(
    const CompoundTable& table, const FeaturizerOptions& options,
    InvalidSmilesPolicy policy) {
  MICON_RETURN_IF_ERROR(options.Validate());
  const MoleculeFeaturizer featurizer(options);
  CompoundFeatures f;
  f.key = options.Key();
  f.dimension = featurizer.dimension();
  f.values.reserve(table.compounds.size() * f.dimension);
  for (const Compound& c : table.compounds) {
    absl::StatusOr<MoleculeFeatures> m = featurizer.Featurize(c.smiles);
    if (!m.ok()) {
      const std::string reason(m.status().message());
      if (policy == InvalidSmilesPolicy::kError) {
        return absl::InvalidArgumentError(absl::StrCat(
            table.path, " line ", c.line, ": compound ", c.id, ": ", reason));
      }
      f.excluded.push_back({c.id, c.line, reason});
      continue;
    }
    f.ids.push_back(c.id);
    f.canonical_smiles.push_back(std::move(m->canonical_smiles));
    f.values.insert(f.values.end(), m->values.begin(), m->values.end());
  }
  f.RebuildIndex();
  return f;
}

absl::StatusOr<CompoundFeatures> LoadOrComputeCompoundFeatures(
    const CompoundTable& table, const FeaturizerOptions& options,
    InvalidSmilesPolicy policy, const std::string& cache_dir,
    std::vector<std::string>* warnings) {
  MICON_RETURN_IF_ERROR(options.Validate());
  if (cache_dir.empty()) return FeaturizeCompounds(table, options, policy);
  const std::string key = options.Key();
  const std::string path =
      (std::filesystem::path(cache_dir) / ("features-" + key + ".h5")).string();
  const std::string validity = CacheValidity(table, key, policy);
  const int dimension = MoleculeFeaturizer(options).dimension();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    absl::StatusOr<CompoundFeatures> cached =
        ReadCache(path, validity, dimension);
    if (cached.ok()) {
      cached->key = key;
      cached->from_cache = true;
      cached->RebuildIndex();
      return cached;
    }
    warnings->push_back(absl::StrCat(path, ": feature cache not used (",
                                     cached.status().message(),
                                     "); recomputing"));
  }
  MICON_ASSIGN_OR_RETURN(CompoundFeatures fresh,
                         FeaturizeCompounds(table, options, policy));
  std::filesystem::create_directories(cache_dir, ec);
  absl::Status written = ec ? absl::PermissionDeniedError(ec.message())
                            : WriteCache(path, validity, fresh);
  if (!written.ok()) {
    warnings->push_back(absl::StrCat(path, ": feature cache not written (",
                                     written.message(), ")"));
  }
  return fresh;
}

}  // namespace micon
