// SMILES -> validation and fingerprint + descriptors (data/molecule_featurizer.h,
// over RDKit).
#include "data/molecule_featurizer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const micon::MoleculeFeaturizer* featurizer =
      new micon::MoleculeFeaturizer({2, 256, /*counts=*/true,
                                     /*descriptors=*/true});
  const std::string smiles = micon::fuzz::Text(data, size);
  if (micon::ValidateSmiles(smiles).ok()) (void)featurizer->Featurize(smiles);
  return 0;
}
