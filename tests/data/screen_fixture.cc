#include "tests/data/screen_fixture.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/synthetic_screen.h"
#include "tests/test_support.h"

namespace micon::testing {

const std::string& SmallScreenPath() {
  static const std::string* path = [] {
    auto* p = new std::string(testing::ScratchRoot() + "/small_screen_" +
                              std::to_string(::getpid()));
    std::filesystem::remove_all(*p);
    SyntheticScreenOptions o;
    o.compound_table = SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv");
    o.output = *p;
    o.image_size = 32;
    o.sites_per_well = 1;
    const absl::StatusOr<SyntheticScreenReport> r = GenerateSyntheticScreen(o);
    if (!r.ok()) AbortFixture("SmallScreenPath", r.status());
    return p;
  }();
  return *path;
}

const PlateStore& SmallScreen() {
  static const PlateStore* store = [] {
    absl::StatusOr<PlateStore> s = OpenPlateStore(SmallScreenPath());
    if (!s.ok()) AbortFixture("SmallScreen", s.status());
    return new PlateStore(*std::move(s));
  }();
  return *store;
}

std::map<std::string, int64_t> CompoundLabels(const PlateStore& store) {
  std::map<std::string, int64_t> labels;
  for (size_t i = 0; i < store.compounds.compounds.size(); ++i) {
    labels[store.compounds.compounds[i].id] = static_cast<int64_t>(i);
  }
  return labels;
}

}  // namespace micon::testing
