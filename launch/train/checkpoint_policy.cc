#include "launch/train/checkpoint_policy.h"

#include <utility>

namespace micon {

CheckpointPolicy::CheckpointPolicy(const CheckpointSection& options,
                                   int64_t total_steps,
                                   std::function<Clock::time_point()> now)
    : options_(options),
      total_steps_(total_steps),
      now_(std::move(now)),
      last_(now_()) {}

bool CheckpointPolicy::TimeDue() const {
  return options_.every_minutes > 0 &&
         std::chrono::duration<double>(now_() - last_).count() >=
             60 * options_.every_minutes;
}

bool CheckpointPolicy::Due(int64_t completed, bool stop, bool time_vote) const {
  return time_vote || completed == total_steps_ || stop ||
         (options_.every_steps > 0 && completed % options_.every_steps == 0);
}

void CheckpointPolicy::Saved() { last_ = now_(); }

}  // namespace micon
