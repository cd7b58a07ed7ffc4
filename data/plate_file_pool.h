// plate_file_pool.h: a bounded set of open plate files, shared by the readers
// of one process.
//
// An open HDF5 file costs about 0.6 MB of HDF5's own caches and structures
// that no property list shrinks (docs/PERFORMANCE.md, "Scale"), so a rank
// whose shard holds a thousand plates would carry 0.6 GB for files it reads a
// few images from per step. The readers of such a shard share one pool:
//
//   auto pool = std::make_shared<PlateFilePool>(64);
//   MICON_ASSIGN_OR_RETURN(PlateReader r, PlateReader::Open(path, pool));
//
// A file closed for space is reopened when it is next read, by the opener its
// reader supplies, which checks that it is still the file it validated
// (plate_reader.h). The least recently used file is closed first; a file a
// thread is reading stays open until that read ends, so the pool may
// briefly hold more than its capacity. Thread-safe.
#ifndef MICON_DATA_PLATE_FILE_POOL_H_
#define MICON_DATA_PLATE_FILE_POOL_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/status/statusor.h"
#include "data/hdf5_id.h"

namespace micon {

// The handles a read needs: the file and its /images dataset.
struct OpenPlateFile {
  Hdf5Id file;
  Hdf5Id images;
};

class PlateFilePool {
 public:
  using Handle = std::shared_ptr<const OpenPlateFile>;
  using Opener = std::function<absl::StatusOr<OpenPlateFile>()>;

  // At most `capacity` files stay open (at least 1).
  explicit PlateFilePool(int capacity);
  PlateFilePool(const PlateFilePool&) = delete;
  PlateFilePool& operator=(const PlateFilePool&) = delete;

  // The open file at `path`, opened with `open` when the pool does not hold
  // it. The handle keeps the file open while the caller reads.
  absl::StatusOr<Handle> Acquire(const std::string& path, const Opener& open);
  // Adds a file its reader has just opened and validated (the most recently
  // used), closing the least recently used beyond the capacity.
  void Adopt(const std::string& path, OpenPlateFile file);

  // Files held open now, and files opened again after being closed for space
  // (for tests).
  int64_t open_files() const;
  int64_t reopened() const;

 private:
  using Recency = std::list<std::pair<std::string, Handle>>;
  void InsertLocked(const std::string& path, Handle handle);

  const int capacity_;
  mutable std::mutex mutex_;
  Recency recency_;  // most recently used first
  std::unordered_map<std::string, Recency::iterator> by_path_;
  int64_t reopened_ = 0;
};

}  // namespace micon

#endif  // MICON_DATA_PLATE_FILE_POOL_H_
