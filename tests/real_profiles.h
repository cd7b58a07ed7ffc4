// real_profiles.h: the two plates of published CellProfiler profiles in
// ../shared/data, as pycytominer wrote them (normalised, feature-selected each
// on its own), for testing::SharedData.
#ifndef MICON_TESTS_REAL_PROFILES_H_
#define MICON_TESTS_REAL_PROFILES_H_

namespace micon::testing {

// JUMP-MOA (cpg0002), 376 wells, 357 features.
inline constexpr char kJumpMoaProfiles[] =
    "profiles_cpg0002_BR00117060a10x/"
    "BR00117060a10x_normalized_feature_select_negcon_plate.csv.gz";
// LINCS (cytominer-eval's example), 384 wells, 454 features.
inline constexpr char kLincsProfiles[] =
    "profiles_lincs_SQ00015054/SQ00015054_normalized_feature_select.csv.gz";

}  // namespace micon::testing

#endif  // MICON_TESTS_REAL_PROFILES_H_
