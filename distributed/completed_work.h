// completed_work.h: a Work whose outcome is known when it is created
// (synchronous backends).
#ifndef MICON_DISTRIBUTED_COMPLETED_WORK_H_
#define MICON_DISTRIBUTED_COMPLETED_WORK_H_

#include <memory>
#include <utility>

#include "distributed/communicator.h"

namespace micon {

class CompletedWork final : public Work {
 public:
  explicit CompletedWork(absl::Status status) : status_(std::move(status)) {}
  absl::Status Wait() override { return status_; }
  bool IsCompleted() override { return true; }

 private:
  absl::Status status_;
};

inline std::shared_ptr<Work> Completed(absl::Status status) {
  return std::make_shared<CompletedWork>(std::move(status));
}

}  // namespace micon

#endif  // MICON_DISTRIBUTED_COMPLETED_WORK_H_
