// retrieval_projections.h: the shared space of a model trained against
// molecules (clip, cellclip), where cross-modal retrieval happens.
//
//   WellProfileFiles files("out", pooling,
//                          WellRetrievalProjection(*model, device));
//   ... // the wells' points are written beside profiles.csv as they come
//   MICON_ASSIGN_OR_RETURN(std::string line,
//       WriteMoleculeProjections(*model, features, device, "out"));
//
// A well's point is P(h_well), h_well its profile (cellclip: the well
// embedding; clip: the mean of its fields' h, as profiles.csv holds it), in
// kWellProjectionsFile; a compound's is Pm(M(fingerprint)), for every
// featurised compound of the dataset, held-out ones included, in
// kMoleculeProjectionsFile. Both unit norm, columns z_0 ... `micon evaluate
// --retrieval` ranks one against the other (retrieval_evaluation.h).
#ifndef MICON_LAUNCH_PROFILES_RETRIEVAL_PROJECTIONS_H_
#define MICON_LAUNCH_PROFILES_RETRIEVAL_PROJECTIONS_H_

#include <c10/core/Device.h>

#include <string>

#include "absl/status/statusor.h"
#include "core/micon_model.h"
#include "data/compound_features.h"
#include "data/compound_table.h"
#include "data/profile_frame.h"
#include "launch/profiles/well_profile_files.h"

namespace micon {

inline constexpr char kWellProjectionsFile[] = "well_projections.csv";
inline constexpr char kMoleculeProjectionsFile[] = "molecule_projections.csv";

// P on `device`, for WellProfileFiles; `model` must outlive it.
WellProjection WellRetrievalProjection(MiconModelImpl& model,
                                       const c10::Device& device);

// Metadata_Compound, Metadata_SMILES, each compound's annotations from
// `compounds` (as micon embed writes them beside wells: CarriedColumnNames),
// and z_k of every featurised compound.
ProfileFrame ProjectMolecules(MiconModelImpl& model,
                              const CompoundFeatures& features,
                              const CompoundTable& compounds,
                              const c10::Device& device);

// ProjectMolecules' frame written into `folder` (created) as
// kMoleculeProjectionsFile; returns a one-line summary for the user.
absl::StatusOr<std::string> WriteMoleculeProjections(
    MiconModelImpl& model, const CompoundFeatures& features,
    const CompoundTable& compounds, const c10::Device& device,
    const std::string& folder);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_RETRIEVAL_PROJECTIONS_H_
