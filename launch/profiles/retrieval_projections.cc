#include "launch/profiles/retrieval_projections.h"

#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "launch/profiles/output_folder.h"
#include "launch/profiles/well_profiles.h"

namespace micon {
namespace {

std::vector<std::string> ProjectionNames(int64_t dim) {
  std::vector<std::string> names;
  for (int64_t k = 0; k < dim; ++k) names.push_back(absl::StrCat("z_", k));
  return names;
}

}  // namespace

WellProjection WellRetrievalProjection(MiconModelImpl& model,
                                       const c10::Device& device) {
  WellProjection projection;
  projection.file = kWellProjectionsFile;
  projection.names = ProjectionNames(model.options().projection_dim);
  projection.project = [&model, device](const at::Tensor& h) {
    torch::NoGradGuard no_grad;
    return model.Project(h.to(device, torch::kFloat))
        .to(torch::kCPU, torch::kFloat64);
  };
  return projection;
}

ProfileFrame ProjectMolecules(MiconModelImpl& model,
                              const CompoundFeatures& features,
                              const CompoundTable& compounds,
                              const c10::Device& device) {
  torch::NoGradGuard no_grad;
  const int64_t n = static_cast<int64_t>(features.ids.size());
  std::vector<float> values = features.values;
  const torch::Tensor fingerprints =
      torch::from_blob(values.data(), {n, features.dimension}, torch::kFloat)
          .to(device);
  ProfileFrame molecules;
  molecules.metadata_names = {profile_columns::kCompound,
                              profile_columns::kSmiles};
  molecules.metadata = {features.ids, features.canonical_smiles};
  const std::vector<std::string> carried =
      CarriedColumnNames(compounds.annotation_names);
  for (size_t a = 0; a < carried.size(); ++a) {
    molecules.metadata_names.push_back(carried[a]);
    std::vector<std::string>& values = molecules.metadata.emplace_back();
    for (const std::string& id : features.ids) {
      const Compound* compound = compounds.Find(id);
      values.push_back(compound != nullptr ? compound->annotations[a] : "");
    }
  }
  molecules.features = model.ProjectMolecule(model.EncodeMolecule(fingerprints))
                           .to(torch::kCPU, torch::kFloat64);
  molecules.feature_names = ProjectionNames(molecules.features.size(1));
  return molecules;
}

absl::StatusOr<std::string> WriteMoleculeProjections(
    MiconModelImpl& model, const CompoundFeatures& features,
    const CompoundTable& compounds, const c10::Device& device,
    const std::string& folder) {
  const ProfileFrame molecules =
      ProjectMolecules(model, features, compounds, device);
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder));
  MICON_RETURN_IF_ERROR(WriteProfileFrame(
      molecules,
      (std::filesystem::path(folder) / kMoleculeProjectionsFile).string()));
  return absl::StrCat(folder, ": ", molecules.rows(),
                      " compounds in the shared space in ",
                      kMoleculeProjectionsFile);
}

}  // namespace micon
