// objective.h: the training objectives micon offers.
//
//   micon   PaCLR + counterfactual PaCLR (the method)
//   paclr   PaCLR alone
//   simclr  NT-Xent over two augmentations of each image
//   clip    image <-> molecule contrastive alignment
//
// kObjectiveNames is the one spelling of each (loss.objective, logs).
#ifndef MICON_CORE_OBJECTIVE_H_
#define MICON_CORE_OBJECTIVE_H_

#include "core/enum_names.h"

namespace micon {

enum class Objective { kMicon, kPaclr, kSimclr, kClip };

inline constexpr EnumName<Objective> kObjectiveNames[] = {
    {"micon", Objective::kMicon},
    {"paclr", Objective::kPaclr},
    {"simclr", Objective::kSimclr},
    {"clip", Objective::kClip}};

inline const char* ObjectiveName(Objective objective) {
  return EnumText(kObjectiveNames, objective);
}

}  // namespace micon

#endif  // MICON_CORE_OBJECTIVE_H_
