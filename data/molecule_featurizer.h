// molecule_featurizer.h: compound structure -> fixed-length feature vector, via
// RDKit.
//
//   MoleculeFeaturizer featurizer({.radius = 2, .bits = 2048, .counts = false});
//   MICON_ASSIGN_OR_RETURN(MoleculeFeatures f,
//                          featurizer.Featurize("CC(=O)Oc1ccccc1C(=O)O"));
//   // f.canonical_smiles == "CC(=O)Oc1ccccc1C(=O)O",
//   // f.values.size() == featurizer.dimension()
//
// Fingerprints are RDKit's Morgan generator (the same bits and counts as
// Python's rdFingerprintGenerator.GetMorganGenerator(radius, fpSize) and
// AllChem's legacy GetMorganFingerprintAsBitVect); descriptors follow Python's
// rdkit.Chem.Descriptors names. Thread-compatible: Featurize() is const and may
// run on several threads at once.
#ifndef MICON_DATA_MOLECULE_FEATURIZER_H_
#define MICON_DATA_MOLECULE_FEATURIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct FeaturizerOptions {
  int radius = 2;       // Morgan radius (2 = ECFP4-like)
  int bits = 2048;      // folded fingerprint length
  bool counts = false;  // folded occurrence counts instead of 0/1 bits
  // Append the RDKit descriptors of DescriptorNames().
  bool descriptors = false;

  // A stable text key, e.g. "morgan-r2-2048-bits+desc", used to key feature
  // caches.
  std::string Key() const;
  absl::Status Validate() const;
};

struct MoleculeFeatures {
  std::string canonical_smiles;
  std::vector<float> values;  // bits (or counts), then descriptors
};

// Names of the descriptors appended when FeaturizerOptions::descriptors is set,
// in order.
const std::vector<std::string>& DescriptorNames();
// Parses and sanitises a SMILES; the error says why (syntax, valence...) and
// quotes the SMILES.
absl::Status ValidateSmiles(const std::string& smiles);

class MoleculeFeaturizer {
 public:
  explicit MoleculeFeaturizer(const FeaturizerOptions& options);
  ~MoleculeFeaturizer();
  MoleculeFeaturizer(const MoleculeFeaturizer&) = delete;
  MoleculeFeaturizer& operator=(const MoleculeFeaturizer&) = delete;

  absl::StatusOr<MoleculeFeatures> Featurize(const std::string& smiles) const;
  int dimension() const;
  const FeaturizerOptions& options() const { return options_; }

 private:
  struct Generator;
  FeaturizerOptions options_;
  std::unique_ptr<Generator> generator_;
};

}  // namespace micon

#endif  // MICON_DATA_MOLECULE_FEATURIZER_H_
