#include "distributed/collective_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace micon {
namespace {

std::string Size(int64_t bytes) {
  if (bytes >= (1 << 20)) return absl::StrFormat("%.1f MB", bytes / 1048576.0);
  if (bytes >= (1 << 10)) return absl::StrFormat("%.1f kB", bytes / 1024.0);
  return absl::StrCat(bytes, " B");
}

}  // namespace

uint64_t CollectiveLog::Begin(const std::string& op, int64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t seq = next_++;
  recent_.push_back({seq, op, bytes, false});
  if (recent_.size() > kKept) recent_.pop_front();
  return seq;
}

void CollectiveLog::Complete(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Entry& e : recent_) {
    if (e.seq == seq) e.done = true;
  }
}

std::string CollectiveLog::Describe(uint64_t seq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Entry& e : recent_) {
    if (e.seq == seq)
      return absl::StrCat(e.op, " #", seq, " (", Size(e.bytes), ")");
  }
  return absl::StrCat("operation #", seq);
}

std::string CollectiveLog::Recent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const Entry& e : recent_) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", e.op, " #", e.seq,
                    e.done ? " done" : " pending");
  }
  return out;
}

std::string CollectiveLog::TimeoutMessage(uint64_t seq, double seconds,
                                          const std::string& detail) const {
  return absl::StrCat(
      "rank ", rank_, ": ", Describe(seq), " did not complete within ",
      absl::StrFormat("%.1f", seconds), " s", detail.empty() ? "" : "; ",
      detail, "; recent operations: ", Recent());
}

}  // namespace micon
