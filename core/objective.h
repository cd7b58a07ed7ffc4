// objective.h: the training objectives micon offers.
//
//   micon     PaCLR + counterfactual PaCLR (the method)
//   paclr     PaCLR alone
//   simclr    NT-Xent over two augmentations of each image
//   clip      image <-> molecule contrastive alignment
//   cellclip  well (cross-channel transformer over frozen per-channel
//             embeddings) <-> molecule, CLIP or CWCL targets
//
// kObjectiveNames is the one spelling of each (loss.objective, logs).
#ifndef MICON_CORE_OBJECTIVE_H_
#define MICON_CORE_OBJECTIVE_H_

#include "core/enum_names.h"

namespace micon {

enum class Objective { kMicon, kPaclr, kSimclr, kClip, kCellclip };

inline constexpr EnumName<Objective> kObjectiveNames[] = {
    {"micon", Objective::kMicon},
    {"paclr", Objective::kPaclr},
    {"simclr", Objective::kSimclr},
    {"clip", Objective::kClip},
    {"cellclip", Objective::kCellclip}};

// Whether `objective` aligns samples with their molecules in a shared space
// (CLIP, CellCLIP): it trains the molecule projection Pm and the temperature,
// and its embedding supports cross-modal retrieval.
inline constexpr bool AlignsWithMolecules(Objective objective) {
  return objective == Objective::kClip || objective == Objective::kCellclip;
}

// CellCLIP's targets (loss.cellclip_targets): hard (CLIP's: the pair is the
// one positive) or cwcl (soft targets from the frozen inputs' similarity).
enum class CellclipTargets { kHard, kCwcl };

inline constexpr EnumName<CellclipTargets> kCellclipTargetsNames[] = {
    {"hard", CellclipTargets::kHard}, {"cwcl", CellclipTargets::kCwcl}};

inline const char* ObjectiveName(Objective objective) {
  return EnumText(kObjectiveNames, objective);
}

}  // namespace micon

#endif  // MICON_CORE_OBJECTIVE_H_
