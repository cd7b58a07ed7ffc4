// profile_table_embedding.h: the well profiles of a profile model (data.input
// profiles): every row of a profile table through the encoder, and the
// generator's predictions from each plate's control rows.
//
//   MICON_ASSIGN_OR_RETURN(WellProfiles p,
//       EmbedProfileTable(table, *profiler, /*standardize=*/true, predict));
//
// Rows are standardised on their plate's control rows when the run trained
// that way (data.profile_normalize), exactly as training fed them, and keep
// their order; the columns are those of well_profiles.h. Profile tables are
// small, so this runs on the calling rank alone.
#ifndef MICON_LAUNCH_PROFILES_PROFILE_TABLE_EMBEDDING_H_
#define MICON_LAUNCH_PROFILES_PROFILE_TABLE_EMBEDDING_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "data/profile_table.h"
#include "launch/profiles/model_profiler.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

absl::StatusOr<WellProfiles> EmbedProfileTable(
    const ProfileTable& table, ModelProfiler& profiler, bool standardize,
    const std::set<std::string>& predict);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_PROFILE_TABLE_EMBEDDING_H_
