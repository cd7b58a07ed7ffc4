// objective.h: the training objectives micon offers.
//   micon   PaCLR + counterfactual PaCLR (the method)
//   paclr   PaCLR alone
//   simclr  NT-Xent over two augmentations of each image
//   clip    image <-> molecule contrastive alignment
#ifndef MICON_CORE_OBJECTIVE_H_
#define MICON_CORE_OBJECTIVE_H_

#include <string>

#include "absl/status/statusor.h"

namespace micon {

enum class Objective { kMicon, kPaclr, kSimclr, kClip };

// "micon", "paclr", "simclr" or "clip"; anything else is an error naming it.
absl::StatusOr<Objective> ParseObjective(const std::string& name);
const char* ObjectiveName(Objective objective);

}  // namespace micon

#endif  // MICON_CORE_OBJECTIVE_H_
