#include "launch/profiles/retrieval_projections.h"

#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "launch/profiles/output_folder.h"

namespace micon {
namespace {

std::vector<std::string> ProjectionNames(int64_t dim) {
  std::vector<std::string> names;
  for (int64_t k = 0; k < dim; ++k) names.push_back(absl::StrCat("z_", k));
  return names;
}

}  // namespace

RetrievalProjections ProjectForRetrieval(MiconModelImpl& model,
                                         const ProfileFrame& wells,
                                         const CompoundFeatures& features,
                                         const c10::Device& device) {
  torch::NoGradGuard no_grad;
  RetrievalProjections out;
  out.wells = wells;
  out.wells.path.clear();
  out.wells.lines.clear();
  out.wells.features = model.Project(wells.features.to(device, torch::kFloat))
                           .to(torch::kCPU, torch::kFloat64);
  out.wells.feature_names = ProjectionNames(out.wells.features.size(1));

  const int64_t n = static_cast<int64_t>(features.ids.size());
  std::vector<float> values = features.values;
  const torch::Tensor fingerprints =
      torch::from_blob(values.data(), {n, features.dimension}, torch::kFloat)
          .to(device);
  out.molecules.metadata_names = {profile_columns::kCompound,
                                  profile_columns::kSmiles};
  out.molecules.metadata = {features.ids, features.canonical_smiles};
  out.molecules.features =
      model.ProjectMolecule(model.EncodeMolecule(fingerprints))
          .to(torch::kCPU, torch::kFloat64);
  out.molecules.feature_names = ProjectionNames(out.molecules.features.size(1));
  return out;
}

absl::StatusOr<std::string> WriteRetrievalProjections(
    MiconModelImpl& model, const ProfileFrame& wells,
    const CompoundFeatures& features, const c10::Device& device,
    const std::string& folder) {
  const RetrievalProjections p =
      ProjectForRetrieval(model, wells, features, device);
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder));
  const std::filesystem::path out(folder);
  MICON_RETURN_IF_ERROR(
      WriteProfileFrame(p.wells, (out / kWellProjectionsFile).string()));
  MICON_RETURN_IF_ERROR(WriteProfileFrame(
      p.molecules, (out / kMoleculeProjectionsFile).string()));
  return absl::StrCat(folder, ": ", p.wells.rows(), " wells and ",
                      p.molecules.rows(), " compounds in the shared space in ",
                      kWellProjectionsFile, " and ", kMoleculeProjectionsFile);
}

}  // namespace micon
