// collective_log.h: sequence numbers and a short history of a communicator's
// collectives, so a stalled operation's error can say what it was and what came
// before it.
//
//   const uint64_t seq = log.Begin("all_reduce", bytes);
//   ... on timeout: log.Describe(seq) -> "all_reduce #41 (4.0 MB)";
//   log.Recent() -> last 8 ops
// Thread-safe.
#ifndef MICON_DISTRIBUTED_COLLECTIVE_LOG_H_
#define MICON_DISTRIBUTED_COLLECTIVE_LOG_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace micon {

class CollectiveLog {
 public:
  explicit CollectiveLog(int rank) : rank_(rank) {}
  // Records a new operation and returns its sequence number (0, 1, 2, ...).
  uint64_t Begin(const std::string& op, int64_t bytes);
  void Complete(uint64_t seq);
  std::string Describe(uint64_t seq) const;
  // The last few operations, oldest first, with their state.
  std::string Recent() const;
  // "rank R: OP #SEQ (SIZE) did not complete within Ns; recent: ..."
  std::string TimeoutMessage(uint64_t seq, double seconds,
                             const std::string& detail) const;

 private:
  struct Entry {
    uint64_t seq;
    std::string op;
    int64_t bytes;
    bool done;
  };
  static constexpr size_t kKept = 8;
  const int rank_;
  mutable std::mutex mutex_;
  uint64_t next_ = 0;
  std::deque<Entry> recent_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_COLLECTIVE_LOG_H_
