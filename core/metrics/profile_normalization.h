// profile_normalization.h: batch correction of well profiles, fitted on the
// negative-control (DMSO) wells, as pycytominer does it.
//
//   at::Tensor y = NormalizePerGroup(x, plate_of_row, is_control,
//                                    NormalizeMethod::kRobustMad);
//   at::Tensor z = ZcaSphere(y, is_control);   // or ZcaSpherePerGroup
//
// NormalizePerGroup fits, for every group of rows (plate, batch or source),
// each feature's centre and scale on that group's control rows and applies
// them to all its rows:
//   kStandardize  (x - mean) / std            (population std; 0 -> 1)
//   kRobustMad    (x - median) / (1.4826 MAD + 1e-18)   (pycytominer's
//                 RobustMAD: the MAD scaled to a normal's std)
// ZcaSphere centres on the control mean and multiplies by
// W = U diag(1 / sqrt(s + epsilon)) U^T from the controls' covariance
// (ddof 1), so the controls come out white while directions stay the
// features' own. A group without controls is a TORCH_CHECK error naming it.
#ifndef MICON_CORE_METRICS_PROFILE_NORMALIZATION_H_
#define MICON_CORE_METRICS_PROFILE_NORMALIZATION_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/enum_names.h"

namespace micon {

enum class NormalizeMethod { kNone, kStandardize, kRobustMad };

inline constexpr EnumName<NormalizeMethod> kNormalizeMethodNames[] = {
    {"none", NormalizeMethod::kNone},
    {"standardize", NormalizeMethod::kStandardize},
    {"mad", NormalizeMethod::kRobustMad}};

at::Tensor NormalizePerGroup(const at::Tensor& x,
                             const std::vector<std::string>& group,
                             const std::vector<bool>& control,
                             NormalizeMethod method);

// pycytominer's default.
inline constexpr double kZcaEpsilon = 1e-6;

at::Tensor ZcaSphere(const at::Tensor& x, const std::vector<bool>& control,
                     double epsilon = kZcaEpsilon);

// ZcaSphere fitted and applied within each group (plate, batch): every group
// needs at least 2 control rows (a TORCH_CHECK error naming it otherwise).
at::Tensor ZcaSpherePerGroup(const at::Tensor& x,
                             const std::vector<std::string>& group,
                             const std::vector<bool>& control,
                             double epsilon = kZcaEpsilon);

}  // namespace micon

#endif  // MICON_CORE_METRICS_PROFILE_NORMALIZATION_H_
