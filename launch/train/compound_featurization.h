// compound_featurization.h: a dataset's compounds featurised as a run's
// molecule section asks, on every rank, through the dataset's feature cache.
//
//   MICON_ASSIGN_OR_RETURN(CompoundFeatures f,
//       FeaturizeOnAllRanks(dataset.compounds(), config.molecule,
//                           dataset.paths.cache, comm, log));
//
// Collective: rank 0 featurises first (and writes the cache), then the other
// ranks read it, so RDKit runs once per dataset and setting. Cache warnings
// come from the rank that sees them; compounds left out under
// molecule.invalid_smiles: exclude are logged once, by rank 0. Training and
// `micon embed` call it, so a checkpoint's molecules are featurised exactly
// as in its run.
#ifndef MICON_LAUNCH_TRAIN_COMPOUND_FEATURIZATION_H_
#define MICON_LAUNCH_TRAIN_COMPOUND_FEATURIZATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "data/compound_features.h"
#include "distributed/communicator.h"
#include "launch/train/run_log.h"
#include "launch/train/train_config.h"

namespace micon {

absl::StatusOr<CompoundFeatures> FeaturizeOnAllRanks(
    const CompoundTable& compounds, const MoleculeSection& molecule,
    const std::string& cache_dir, Communicator& comm, const RunLog& log);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_COMPOUND_FEATURIZATION_H_
