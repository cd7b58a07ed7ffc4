#include "data/plate_file_pool.h"

#include <algorithm>

namespace micon {

PlateFilePool::PlateFilePool(int capacity) : capacity_(std::max(1, capacity)) {}

absl::StatusOr<PlateFilePool::Handle> PlateFilePool::Acquire(
    const std::string& path, const Opener& open) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = by_path_.find(path);
  if (found != by_path_.end()) {
    recency_.splice(recency_.begin(), recency_, found->second);
    return found->second->second;
  }
  // Opening under the lock costs other readers nothing they would not pay
  // anyway: HDF5 serialises every call behind its own global lock.
  absl::StatusOr<OpenPlateFile> opened = open();
  if (!opened.ok()) return opened.status();
  ++reopened_;
  Handle handle = std::make_shared<const OpenPlateFile>(*std::move(opened));
  InsertLocked(path, handle);
  return handle;
}

void PlateFilePool::Adopt(const std::string& path, OpenPlateFile file) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = by_path_.find(path);
  if (found != by_path_.end()) {
    recency_.erase(found->second);
    by_path_.erase(found);
  }
  InsertLocked(path, std::make_shared<const OpenPlateFile>(std::move(file)));
}

void PlateFilePool::InsertLocked(const std::string& path, Handle handle) {
  recency_.emplace_front(path, std::move(handle));
  by_path_[path] = recency_.begin();
  while (static_cast<int>(recency_.size()) > capacity_) {
    // The handles close the file when the last reader lets go of it.
    by_path_.erase(recency_.back().first);
    recency_.pop_back();
  }
}

int64_t PlateFilePool::open_files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(recency_.size());
}

int64_t PlateFilePool::reopened() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reopened_;
}

}  // namespace micon
