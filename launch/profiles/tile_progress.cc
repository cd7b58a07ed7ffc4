#include "launch/profiles/tile_progress.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/duration_text.h"

namespace micon {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

TileProgressLog::TileProgressLog(std::string method, double every_seconds)
    : method_(std::move(method)), every_seconds_(every_seconds) {}

std::function<void(int64_t, int64_t)> TileProgressLog::Sweep(
    const std::string& pass) const {
  if (every_seconds_ <= 0) return nullptr;
  struct State {
    Clock::time_point start, last;
  };
  auto state = std::make_shared<State>();
  const std::string prefix = absl::StrCat(method_, ": ", pass, ": ");
  const double every = every_seconds_;
  return [state, prefix, every](int64_t visited, int64_t total) {
    if (visited == 1) state->start = state->last = Clock::now();
    if (SecondsSince(state->last) < every) return;
    state->last = Clock::now();
    const std::string line =
        TileProgressText(visited, total, SecondsSince(state->start));
    std::fprintf(stderr, "micon: %s%s\n", prefix.c_str(), line.c_str());
    std::fflush(stderr);
  };
}

std::string TileProgressText(int64_t visited, int64_t total,
                             double elapsed_seconds) {
  const double done =
      total > 0 ? static_cast<double>(visited) / static_cast<double>(total)
                : 1.0;
  // The first tile's time is not counted (the clock starts after it).
  const double per_tile =
      visited > 1 ? elapsed_seconds / static_cast<double>(visited - 1) : 0.0;
  return absl::StrFormat(
      "tile %d of %d (%.0f%%), %s, about %s left", visited, total, 100 * done,
      FormatDuration(elapsed_seconds),
      FormatDuration(per_tile * static_cast<double>(total - visited)));
}

}  // namespace micon
