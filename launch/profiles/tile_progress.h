// tile_progress.h: how far an evaluation's sweeps over the similarity tiles
// have come, on stderr. A screen of 10^6 wells sweeps for hours; a user
// should see it move and how long is left.
//
//   TileProgressLog log("micon", /*every_seconds=*/60);
//   tiles.progress = log.Sweep("percent replicating");
//   // micon: percent replicating: tile 1204 of 4950 (24%), 6m00s, about
//   //   18m39s left
//
// A line comes at most every `every_seconds` (the first after that long, so
// a small evaluation prints nothing); the time left assumes the remaining
// tiles go as fast as those before (tiles are all the same size but the
// last).
#ifndef MICON_LAUNCH_PROFILES_TILE_PROGRESS_H_
#define MICON_LAUNCH_PROFILES_TILE_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <string>

namespace micon {

class TileProgressLog {
 public:
  // every_seconds <= 0: silent.
  TileProgressLog(std::string method, double every_seconds);

  // The TileOptions::progress callback for one named sweep; a sweep that
  // starts again (a second pass) starts its clock again.
  std::function<void(int64_t visited, int64_t total)> Sweep(
      const std::string& pass) const;

 private:
  std::string method_;
  double every_seconds_;
};

// "tile 1204 of 4950 (24%), 6m00s, about 18m39s left"
std::string TileProgressText(int64_t visited, int64_t total,
                             double elapsed_seconds);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_TILE_PROGRESS_H_
