#include "core/metrics/two_pass_order_statistics.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace micon {

TwoPassOrderStatistics::TwoPassOrderStatistics(int64_t buckets, double margin)
    : margin_(margin),
      half_buckets_(static_cast<double>(buckets) / 2),
      last_(static_cast<double>(buckets - 1)),
      counts_(static_cast<size_t>(buckets), 0),
      gaps_(1, 0) {
  TORCH_CHECK(buckets >= 2, "need at least 2 buckets, got ", buckets);
  TORCH_CHECK(margin >= 0, "margin must be >= 0, got ", margin);
}

double TwoPassOrderStatistics::Edge(int64_t bucket) const {
  const int64_t n = static_cast<int64_t>(counts_.size());
  if (bucket <= 0) return -std::numeric_limits<double>::infinity();
  if (bucket >= n) return std::numeric_limits<double>::infinity();
  return static_cast<double>(bucket) / static_cast<double>(n) * 2 - 1;
}

TwoPassOrderStatistics TwoPassOrderStatistics::EmptyCopy() const {
  TwoPassOrderStatistics copy = *this;
  std::fill(copy.counts_.begin(), copy.counts_.end(), 0);
  std::fill(copy.gaps_.begin(), copy.gaps_.end(), 0);
  for (Window& w : copy.windows_) w.kept.clear();
  return copy;
}

void TwoPassOrderStatistics::Merge(const TwoPassOrderStatistics& part) {
  TORCH_CHECK(part.counts_.size() == counts_.size() &&
                  part.windows_.size() == windows_.size() && !sorted_,
              "Merge takes an EmptyCopy of this, before Select");
  for (size_t b = 0; b < counts_.size(); ++b) counts_[b] += part.counts_[b];
  for (size_t g = 0; g < gaps_.size(); ++g) gaps_[g] += part.gaps_[g];
  for (size_t w = 0; w < windows_.size(); ++w) {
    const std::vector<double>& kept = part.windows_[w].kept;
    windows_[w].kept.insert(windows_[w].kept.end(), kept.begin(), kept.end());
  }
}

void TwoPassOrderStatistics::ReduceCounts(ShardReducer& shards) {
  TORCH_CHECK(cumulative_.empty(), "ReduceCounts after EndCount");
  shards.Sum(counts_);
}

void TwoPassOrderStatistics::ReduceKept(ShardReducer& shards) {
  TORCH_CHECK(!sorted_, "ReduceKept after Select");
  shards.Sum(gaps_);
  for (Window& w : windows_) shards.Concatenate(w.kept);
}

void TwoPassOrderStatistics::EndCount() {
  cumulative_.assign(counts_.size() + 1, 0);
  for (size_t b = 0; b < counts_.size(); ++b) {
    cumulative_[b + 1] = cumulative_[b] + counts_[b];
  }
  total_ = cumulative_.back();
}

void TwoPassOrderStatistics::AddWindow(double core_lo, double core_hi) {
  TORCH_CHECK(!sorted_, "windows must be wanted before pass 2");
  windows_.push_back({core_lo - 2 * margin_, core_hi + 2 * margin_, {}});
  std::sort(windows_.begin(), windows_.end(),
            [](const Window& a, const Window& b) { return a.lo < b.lo; });
  std::vector<Window> merged;
  for (Window& w : windows_) {
    if (!merged.empty() && w.lo <= merged.back().hi) {
      merged.back().hi = std::max(merged.back().hi, w.hi);
    } else {
      merged.push_back(std::move(w));
    }
  }
  windows_ = std::move(merged);
  gaps_.assign(windows_.size() + 1, 0);
}

std::pair<double, double> TwoPassOrderStatistics::Want(int64_t rank) {
  TORCH_CHECK(!cumulative_.empty(), "Want before EndCount");
  TORCH_CHECK(rank >= 0 && rank < total_, "rank ", rank, " of ", total_,
              " elements");
  // The bucket b with cumulative_[b] <= rank < cumulative_[b + 1].
  const auto it =
      std::upper_bound(cumulative_.begin(), cumulative_.end(), rank);
  const int64_t b = static_cast<int64_t>(it - cumulative_.begin()) - 1;
  const std::pair<double, double> core = {Edge(b), Edge(b + 1)};
  AddWindow(core.first, core.second);
  return core;
}

std::pair<double, double> TwoPassOrderStatistics::WantQuantile(double q) {
  TORCH_CHECK(total_ > 0, "quantile of no values");
  TORCH_CHECK(q >= 0 && q <= 1, "quantile must be in [0, 1], got ", q);
  const double h = q * static_cast<double>(total_ - 1);
  const int64_t lo = static_cast<int64_t>(std::floor(h));
  const std::pair<double, double> a = Want(lo);
  const std::pair<double, double> b = Want(std::min(lo + 1, total_ - 1));
  return {a.first, b.second};
}

void TwoPassOrderStatistics::WantAround(double lo, double hi) {
  AddWindow(lo, hi);
}

int64_t TwoPassOrderStatistics::ToKeep() const {
  int64_t keep = 0;
  for (const Window& w : windows_) {
    keep += cumulative_[static_cast<size_t>(Bucket(w.hi)) + 1] -
            cumulative_[static_cast<size_t>(Bucket(w.lo))];
  }
  return keep;
}

void TwoPassOrderStatistics::SortOnce() {
  if (sorted_) return;
  for (Window& w : windows_) std::sort(w.kept.begin(), w.kept.end());
  sorted_ = true;
}

std::pair<double, double> TwoPassOrderStatistics::OnlyWindow() const {
  TORCH_CHECK(windows_.size() == 1, "OnlyWindow: ", windows_.size(),
              " windows");
  return {windows_.front().lo, windows_.front().hi};
}

void TwoPassOrderStatistics::AddOutside(int64_t below, int64_t above) {
  TORCH_CHECK(windows_.size() == 1, "AddOutside: ", windows_.size(),
              " windows");
  gaps_[0] += below;
  gaps_[1] += above;
}

void TwoPassOrderStatistics::EndObserve() {
  total_ = 0;
  for (int64_t gap : gaps_) total_ += gap;
  for (const Window& w : windows_) {
    total_ += static_cast<int64_t>(w.kept.size());
  }
}

std::pair<const TwoPassOrderStatistics::Window*, double>
TwoPassOrderStatistics::Ranked(int64_t rank) {
  SortOnce();
  int64_t below = 0;
  for (size_t w = 0; w < windows_.size(); ++w) {
    below += gaps_[w];
    const Window& win = windows_[w];
    const int64_t kept = static_cast<int64_t>(win.kept.size());
    if (rank >= below && rank < below + kept) {
      return {&win, win.kept[static_cast<size_t>(rank - below)]};
    }
    below += kept;
  }
  return {nullptr, 0.0};
}

bool TwoPassOrderStatistics::Holds(int64_t rank) {
  const auto [win, v] = Ranked(rank);
  return win != nullptr && v >= win->lo + margin_ && v <= win->hi - margin_;
}

bool TwoPassOrderStatistics::HoldsQuantile(double q) {
  if (total_ <= 0) return false;
  const double h = q * static_cast<double>(total_ - 1);
  const int64_t lo = static_cast<int64_t>(std::floor(h));
  return Holds(lo) && Holds(std::min(lo + 1, total_ - 1));
}

bool TwoPassOrderStatistics::Covers(double t) const {
  for (const Window& win : windows_) {
    if (t >= win.lo + margin_ && t <= win.hi - margin_) return true;
  }
  return false;
}

double TwoPassOrderStatistics::Select(int64_t rank) {
  const auto [win, v] = Ranked(rank);
  TORCH_CHECK(win != nullptr, "rank ", rank, " of ", total_,
              " elements was not wanted before pass 2");
  // Exact only at least a margin inside the window (see the header).
  TORCH_CHECK(v >= win->lo + margin_ && v <= win->hi - margin_, "rank ", rank,
              " was not wanted before pass 2 (value ", v,
              " at the edge of the kept window [", win->lo, ", ", win->hi,
              "])");
  return v;
}

double TwoPassOrderStatistics::Quantile(double q) {
  TORCH_CHECK(total_ > 0, "quantile of no values");
  const double h = q * static_cast<double>(total_ - 1);
  const int64_t lo = static_cast<int64_t>(std::floor(h));
  const double a = Select(lo);
  const double b = Select(std::min(lo + 1, total_ - 1));
  return a + (h - static_cast<double>(lo)) * (b - a);
}

int64_t TwoPassOrderStatistics::CountAbove(double t) {
  SortOnce();
  int64_t above = gaps_.back();
  bool found = false;
  for (size_t w = windows_.size(); w-- > 0;) {
    const Window& win = windows_[w];
    if (t >= win.lo + margin_ && t <= win.hi - margin_) {
      above += win.kept.end() -
               std::upper_bound(win.kept.begin(), win.kept.end(), t);
      found = true;
      break;
    }
    above += static_cast<int64_t>(win.kept.size()) + gaps_[w];
  }
  TORCH_CHECK(found, "CountAbove(", t,
              "): no window was wanted around it before pass 2");
  return above;
}

}  // namespace micon
