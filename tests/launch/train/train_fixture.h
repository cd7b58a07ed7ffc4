// train_fixture.h: small datasets and command lines for the trainer's
// end-to-end tests.
#ifndef MICON_TESTS_LAUNCH_TRAIN_TRAIN_FIXTURE_H_
#define MICON_TESTS_LAUNCH_TRAIN_TRAIN_FIXTURE_H_

#include <string>

namespace micon::testing {

// The small synthetic screen (8 plates of 32x32 images, screen.json split).
const std::string& SmallImageDataset();
// A profile CSV in micon's profile format: 6 plates over 3 batches, 8
// compounds with real SMILES (JUMP-MOA) in 2 wells per plate and 4 control
// wells, 24 features carrying a compound signal, plate offsets and noise.
const std::string& SmallProfileTable();
// A per-channel embedding store of SmallImageDataset (compounds.csv and
// screen.json beside it): a 1-step SimCLR run on the images, then `micon embed
// --per-channel` of its checkpoint. Made once per build of micon and shared
// by every test process; tests copy it before changing it.
const std::string& SmallEmbeddingStore();
// `micon train` with small heads and batches, for `steps` steps into `run`.
std::string TrainCommand(const std::string& run, const std::string& dataset,
                         int steps);
// TrainCommand for CellCLIP on SmallEmbeddingStore with `targets` (hard or
// cwcl): 4 wells of 1 field a step, a small transformer, a checkpoint every 3
// steps. Later --set flags override these.
std::string CellclipTrainCommand(const std::string& run, int steps,
                                 const std::string& targets);

}  // namespace micon::testing

#endif  // MICON_TESTS_LAUNCH_TRAIN_TRAIN_FIXTURE_H_
