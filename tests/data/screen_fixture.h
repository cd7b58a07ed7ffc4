// screen_fixture.h: a small synthetic screen (8 plates, 32x32, 1 site)
// generated once per test binary, for sampler and loader tests.
#ifndef MICON_TESTS_DATA_SCREEN_FIXTURE_H_
#define MICON_TESTS_DATA_SCREEN_FIXTURE_H_

#include <map>
#include <string>

#include "data/plate_store.h"

namespace micon::testing {

// Path of the screen (generated on first use) and its store.
const std::string& SmallScreenPath();
const PlateStore& SmallScreen();
// compound id -> label (row of compounds.csv), as the trainer builds it.
std::map<std::string, int64_t> CompoundLabels(const PlateStore& store);

}  // namespace micon::testing

#endif  // MICON_TESTS_DATA_SCREEN_FIXTURE_H_
