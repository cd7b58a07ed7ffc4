#include "launch/train/compound_featurization.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace micon {

absl::StatusOr<CompoundFeatures> FeaturizeOnAllRanks(
    const CompoundTable& compounds, const MoleculeSection& molecule,
    const std::string& cache_dir, Communicator& comm, const RunLog& log) {
  MICON_RETURN_IF_ERROR(molecule.featurizer.Validate());
  const int rank = comm.rank();
  absl::StatusOr<CompoundFeatures> features = absl::UnknownError("unset");
  std::vector<std::string> warnings;
  auto featurize = [&] {
    features = LoadOrComputeCompoundFeatures(compounds, molecule.featurizer,
                                             molecule.invalid_smiles, cache_dir,
                                             &warnings);
  };
  if (rank == 0) featurize();
  MICON_RETURN_IF_ERROR(comm.Barrier({})->Wait());
  if (rank != 0) featurize();
  if (!features.ok()) return features.status();
  for (const std::string& w : warnings) log.Warning(w);
  if (rank == 0) {
    for (const ExcludedCompound& e : features->excluded) {
      log.Warning(absl::StrCat("compound ", e.id, " (line ", e.line,
                               ") left out: ", e.reason));
    }
  }
  return *std::move(features);
}

}  // namespace micon
