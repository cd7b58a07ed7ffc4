#include "data/molecule_featurizer.h"

#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Fingerprints/MorganGenerator.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include "absl/strings/str_cat.h"

namespace micon {
namespace {

std::vector<double> ComputeDescriptors(const RDKit::ROMol& mol) {
  namespace d = RDKit::Descriptors;
  return {d::calcAMW(mol),
          d::calcExactMW(mol),
          d::calcClogP(mol),
          d::calcMR(mol),
          d::calcTPSA(mol),
          static_cast<double>(d::calcNumHBD(mol)),
          static_cast<double>(d::calcNumHBA(mol)),
          static_cast<double>(d::calcNumRotatableBonds(mol)),
          static_cast<double>(d::calcNumRings(mol)),
          static_cast<double>(d::calcNumAromaticRings(mol)),
          static_cast<double>(d::calcNumHeavyAtoms(mol)),
          d::calcFractionCSP3(mol),
          d::calcLabuteASA(mol)};
}

absl::StatusOr<std::unique_ptr<RDKit::ROMol>> ParseSmiles(
    const std::string& smiles) {
  // RDKit reports parse problems on its own log; micon reports them through the
  // Status instead.
  RDLog::LogStateSetter silence;
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles, /*debugParse=*/0, /*sanitize=*/false));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid SMILES '", smiles, "': ", e.what()));
  }
  if (!mol)
    return absl::InvalidArgumentError(
        absl::StrCat("invalid SMILES '", smiles, "': syntax"));
  try {
    RDKit::MolOps::sanitizeMol(*mol);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid SMILES '", smiles, "': ", e.what()));
  }
  return std::unique_ptr<RDKit::ROMol>(std::move(mol));
}

}  // namespace

absl::Status ValidateSmiles(const std::string& smiles) {
  return ParseSmiles(smiles).status();
}

struct MoleculeFeaturizer::Generator {
  std::unique_ptr<RDKit::FingerprintGenerator<std::uint64_t>> morgan;
};

std::string FeaturizerOptions::Key() const {
  return absl::StrCat("morgan-r", radius, "-", bits,
                      counts ? "-counts" : "-bits", descriptors ? "+desc" : "");
}

absl::Status FeaturizerOptions::Validate() const {
  if (radius < 0 || radius > 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint radius ", radius, " outside 0-8"));
  }
  if (bits < 1 || bits > (1 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint bits ", bits, " outside 1-2^20"));
  }
  return absl::OkStatus();
}

const std::vector<std::string>& DescriptorNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "MolWt",     "ExactMolWt",       "MolLogP",        "MolMR",
      "TPSA",      "NumHDonors",       "NumHAcceptors",  "NumRotatableBonds",
      "RingCount", "NumAromaticRings", "HeavyAtomCount", "FractionCSP3",
      "LabuteASA"};
  return *kNames;
}

MoleculeFeaturizer::MoleculeFeaturizer(const FeaturizerOptions& options)
    : options_(options), generator_(std::make_unique<Generator>()) {
  generator_->morgan.reset(
      RDKit::MorganFingerprint::getMorganGenerator<std::uint64_t>(
          static_cast<unsigned>(options.radius), /*countSimulation=*/false,
          /*includeChirality=*/false, /*useBondTypes=*/true,
          /*onlyNonzeroInvariants=*/false, nullptr, nullptr,
          static_cast<std::uint32_t>(options.bits)));
}

MoleculeFeaturizer::~MoleculeFeaturizer() = default;

int MoleculeFeaturizer::dimension() const {
  return options_.bits + (options_.descriptors
                              ? static_cast<int>(DescriptorNames().size())
                              : 0);
}

absl::StatusOr<MoleculeFeatures> MoleculeFeaturizer::Featurize(
    const std::string& smiles) const {
  absl::StatusOr<std::unique_ptr<RDKit::ROMol>> mol = ParseSmiles(smiles);
  if (!mol.ok()) return mol.status();
  MoleculeFeatures out;
  out.canonical_smiles = RDKit::MolToSmiles(**mol);
  out.values.assign(dimension(), 0.0f);
  if (options_.counts) {
    std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(
        generator_->morgan->getCountFingerprint(**mol));
    for (const auto& [bit, count] : fp->getNonzeroElements()) {
      out.values[bit] = static_cast<float>(count);
    }
  } else {
    std::unique_ptr<ExplicitBitVect> fp(
        generator_->morgan->getFingerprint(**mol));
    std::vector<int> on;
    fp->getOnBits(on);
    for (int bit : on) out.values[bit] = 1.0f;
  }
  if (options_.descriptors) {
    const std::vector<double> desc = ComputeDescriptors(**mol);
    for (size_t i = 0; i < desc.size(); ++i) {
      out.values[options_.bits + i] = static_cast<float>(desc[i]);
    }
  }
  return out;
}

}  // namespace micon
