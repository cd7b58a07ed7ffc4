// profile_table_embedding.h: the well profiles of a profile model (data.input
// profiles): every row of a profile table through the encoder, and the
// generator's predictions from each plate's control rows.
//
//   ProfileTableEmbedOptions o;
//   o.standardize = true;  o.predict = held_out;  o.sink = &files;
//   MICON_ASSIGN_OR_RETURN(WellProfiles p,
//       EmbedProfileTable(table, *profiler, o));  // table: its index
//
// Rows are standardised on their plate's control rows when the run trained
// that way (data.profile_normalize), exactly as training fed them, and keep
// their order; the columns are those of well_profiles.h, then every other
// metadata column of the table (Metadata_moa, Metadata_Site, ...: read once
// more, apart from the index), carried row by row; a predicted row carries
// the value all its compound's treated rows share, empty where they differ.
// The features are read
// a group of plates at a time (PlateReadGroups: bounded groups from HDF5, the
// whole table from CSV) and released once embedded, and with a sink the
// embeddings go to it group by group, so neither the table (10 GB of float32
// at 10^6 wells of 2,560 features) nor its profiles are held whole. An MLP
// over a table is quick beside reading it, so one rank does it all.
#ifndef MICON_LAUNCH_PROFILES_PROFILE_TABLE_EMBEDDING_H_
#define MICON_LAUNCH_PROFILES_PROFILE_TABLE_EMBEDDING_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "data/profile_table.h"
#include "launch/profiles/model_profiler.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

struct ProfileTableEmbedOptions {
  bool standardize = false;
  std::set<std::string> predict;  // compounds to predict on each plate
  // Where the wells' rows go, [k, dim] float64 in row order, as each group of
  // plates is embedded; nullptr: the returned frame holds them.
  WellRowSink* sink = nullptr;
  // The float32 features read at once from an HDF5 table (whole plates, at
  // least one).
  int64_t read_bytes = int64_t{256} << 20;
  // Called after each group with a line such as
  // "embedded plates P1 … P9 (9/392, 3,456 rows, 0.4 s)".
  std::function<void(const std::string&)> progress;
};

// `table` is read by ReadProfileTable or ReadProfileTableIndex; the features
// this call reads are released again (plates already read stay).
absl::StatusOr<WellProfiles> EmbedProfileTable(
    ProfileTable& table, ModelProfiler& profiler,
    const ProfileTableEmbedOptions& options);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_PROFILE_TABLE_EMBEDDING_H_
