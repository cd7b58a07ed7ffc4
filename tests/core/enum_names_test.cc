// Every name table spells each value of its enum once, and ParseEnum and
// EnumText are inverses on it: a value missing from a table, or two values
// sharing a name, fails here rather than in a configuration.
#include "core/enum_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/autocast_scope.h"
#include "core/lr_schedule.h"
#include "core/metrics/profile_normalization.h"
#include "core/metrics/well_aggregation.h"
#include "core/micon_model.h"
#include "core/objective.h"
#include "core/resnet.h"

namespace micon {
namespace {

template <typename E, size_t N>
void ExpectRoundTrip(const EnumName<E> (&names)[N], size_t enum_values) {
  EXPECT_EQ(N, enum_values) << EnumChoices(names);
  std::set<std::string> seen;
  for (const EnumName<E>& n : names) {
    EXPECT_TRUE(seen.insert(n.name).second) << "twice: " << n.name;
    EXPECT_EQ(ParseEnum(names, n.name), n.value) << n.name;
    EXPECT_EQ(std::string(EnumText(names, n.value)), n.name);
  }
  EXPECT_FALSE(ParseEnum(names, "").has_value());
  EXPECT_FALSE(ParseEnum(names, "no such name").has_value());
}

TEST(EnumNames, EveryCoreTableRoundTrips) {
  ExpectRoundTrip(kObjectiveNames, 5);
  ExpectRoundTrip(kCellclipTargetsNames, 2);
  ExpectRoundTrip(kScheduleKindNames, 3);
  ExpectRoundTrip(kNormKindNames, 3);
  ExpectRoundTrip(kChannelModeNames, 2);
  ExpectRoundTrip(kInputKindNames, 3);
  ExpectRoundTrip(kResNetArchNames, 4);
  ExpectRoundTrip(kPrecisionNames, 2);
  ExpectRoundTrip(kAggregationNames, 2);
  ExpectRoundTrip(kNormalizeMethodNames, 3);
}

TEST(EnumNames, ChoicesListTheNamesInOrder) {
  EXPECT_EQ(EnumChoices(kObjectiveNames),
            "micon, paclr, simclr, clip, cellclip");
  EXPECT_EQ(EnumChoices(kResNetArchNames),
            "resnet18, resnet34, resnet50, resnet101");
  EXPECT_STREQ(EnumText(kResNetArchNames, 50), "resnet50");
  EXPECT_STREQ(EnumText(kResNetArchNames, 19), "?");
}

}  // namespace
}  // namespace micon
