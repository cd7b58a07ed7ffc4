// retrieval_projections.h: the shared space of a model trained against
// molecules (clip, cellclip), where cross-modal retrieval happens.
//
//   RetrievalProjections p = ProjectForRetrieval(*model, profiles.wells,
//                                                features, device);
//   WriteProfileFrame(p.wells, "well_projections.csv");
//   // or both files at once:
//   WriteRetrievalProjections(*model, profiles.wells, features, device, "out");
//
// A well's point is P(h_well), h_well its profile (cellclip: the well
// embedding; clip: the mean of its fields' h, as profiles.csv holds it); a
// compound's is Pm(M(fingerprint)), for every featurised compound of the
// dataset, held-out ones included. Both unit norm. `micon evaluate
// --retrieval` ranks one against the other (retrieval_evaluation.h).
#ifndef MICON_LAUNCH_PROFILES_RETRIEVAL_PROJECTIONS_H_
#define MICON_LAUNCH_PROFILES_RETRIEVAL_PROJECTIONS_H_

#include <c10/core/Device.h>

#include <string>

#include "absl/status/statusor.h"
#include "core/micon_model.h"
#include "data/compound_features.h"
#include "data/profile_frame.h"

namespace micon {

inline constexpr char kWellProjectionsFile[] = "well_projections.csv";
inline constexpr char kMoleculeProjectionsFile[] = "molecule_projections.csv";

struct RetrievalProjections {
  ProfileFrame wells;      // the profile frame's metadata, features z_k
  ProfileFrame molecules;  // Metadata_Compound, Metadata_SMILES, z_k
};

RetrievalProjections ProjectForRetrieval(MiconModelImpl& model,
                                         const ProfileFrame& wells,
                                         const CompoundFeatures& features,
                                         const c10::Device& device);

// ProjectForRetrieval's two frames written into `folder` (created) as
// kWellProjectionsFile and kMoleculeProjectionsFile; returns a one-line
// summary for the user.
absl::StatusOr<std::string> WriteRetrievalProjections(
    MiconModelImpl& model, const ProfileFrame& wells,
    const CompoundFeatures& features, const c10::Device& device,
    const std::string& folder);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_RETRIEVAL_PROJECTIONS_H_
