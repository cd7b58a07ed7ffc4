#include "tests/distributed/fake_nccl_runtime.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace micon::testing {
// Named, not anonymous: FakeNcclWorld::State (declared in the header) holds
// these types.
namespace fake_nccl {

enum class Kind { kAllReduce, kBroadcast, kReduce, kAllGather };

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kAllReduce:
      return "all_reduce";
    case Kind::kBroadcast:
      return "broadcast";
    case Kind::kReduce:
      return "reduce";
    case Kind::kAllGather:
      return "all_gather";
  }
  return "?";
}

// One rank's part of a collective: what the real call would get.
struct Contribution {
  Kind kind = Kind::kAllReduce;
  const void* in = nullptr;
  void* out = nullptr;
  size_t count = 0;
  NcclType type = NcclType::kFloat;
  NcclOp op = NcclOp::kSum;
  int root = 0;
  int64_t group =
      -1;  // the rank's how-manieth group it was called in; -1: none
};

const char* TypeName(NcclType type) {
  switch (type) {
    case NcclType::kFloat:
      return "float";
    case NcclType::kDouble:
      return "double";
    case NcclType::kHalf:
      return "half";
    case NcclType::kBFloat16:
      return "bfloat16";
    case NcclType::kInt64:
      return "int64";
    case NcclType::kInt32:
      return "int32";
    case NcclType::kUint8:
      return "uint8";
  }
  return "?";
}

const char* OpName(NcclOp op) {
  switch (op) {
    case NcclOp::kSum:
      return "sum";
    case NcclOp::kMax:
      return "max";
    case NcclOp::kMin:
      return "min";
    case NcclOp::kAvg:
      return "avg";
  }
  return "?";
}

// Everything about a call that must be the same on every rank, as NCCL
// needs it (the buffers are each rank's own): two calls match when their
// descriptions are equal.
std::string Describe(const Contribution& c) {
  std::string text = absl::StrCat(KindName(c.kind), "(count ", c.count, ", ",
                                  TypeName(c.type));
  if (c.kind == Kind::kAllReduce || c.kind == Kind::kReduce) {
    absl::StrAppend(&text, ", ", OpName(c.op));
  }
  if (c.kind == Kind::kBroadcast || c.kind == Kind::kReduce) {
    absl::StrAppend(&text, ", root ", c.root);
  }
  absl::StrAppend(&text, c.group < 0 ? ", outside a group"
                                     : absl::StrCat(", in group ", c.group));
  return text + ")";
}

at::ScalarType ScalarTypeOf(NcclType type) {
  switch (type) {
    case NcclType::kFloat:
      return at::kFloat;
    case NcclType::kDouble:
      return at::kDouble;
    case NcclType::kHalf:
      return at::kHalf;
    case NcclType::kBFloat16:
      return at::kBFloat16;
    case NcclType::kInt64:
      return at::kLong;
    case NcclType::kInt32:
      return at::kInt;
    case NcclType::kUint8:
      return at::kByte;
  }
  return at::kFloat;
}

at::Tensor View(const void* data, const Contribution& c) {
  return at::from_blob(const_cast<void*>(data), {static_cast<int64_t>(c.count)},
                       at::TensorOptions().dtype(ScalarTypeOf(c.type)));
}

}  // namespace fake_nccl

using fake_nccl::Contribution;
using fake_nccl::Describe;
using fake_nccl::Kind;
using fake_nccl::KindName;
using fake_nccl::View;

struct FakeNcclWorld::State {
  explicit State(int n)
      : world(n),
        errors(n),
        failed(n, false),
        counts(n),
        completed(n, 0),
        compute_waits_for(n, 0),
        sequences(n) {}

  struct Slot {
    std::vector<Contribution> posted;
    std::vector<bool> has;
    int arrived = 0;
    int read = 0;
    int done = 0;
  };

  // Records the ranks' sequences differing at collective `index`; a test
  // that did not plant it fails.
  void Mismatched(uint64_t index, const std::string& message) {
    if (!mismatches.emplace(index, message).second) return;
    if (!expect_mismatch) ADD_FAILURE() << "fake NCCL: " << message;
  }

  // The first peer of `rank` that aborted or failed, or -1.
  int FailedPeer(int rank) const {
    for (int r = 0; r < world; ++r) {
      if (r != rank && failed[r]) return r;
    }
    return -1;
  }

  const int world;
  std::mutex mutex;
  std::condition_variable cv;
  bool hold_init = false;
  int started_init = 0;
  std::vector<absl::Status> errors;  // injected asynchronous errors
  std::vector<bool> failed;          // aborted or errored ranks
  std::vector<FakeNcclCounts> counts;
  std::vector<uint64_t> completed;          // events each rank's worker passed
  std::vector<uint64_t> compute_waits_for;  // the latest ComputeWaits event
  std::map<uint64_t, Slot> slots;           // by collective index
  // Each rank's calls as they took effect (grouped ones at GroupEnd).
  std::vector<std::vector<std::string>> sequences;
  bool expect_mismatch = false;
  std::map<uint64_t, std::string> mismatches;  // by collective index
};

namespace {

using State = FakeNcclWorld::State;

class FakeNcclRuntime final : public NcclRuntime {
 public:
  FakeNcclRuntime(std::shared_ptr<State> state, int rank)
      : state_(std::move(state)), rank_(rank), worker_([this] { Work(); }) {}

  ~FakeNcclRuntime() override {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      stopping_ = true;
    }
    state_->cv.notify_all();
    worker_.join();
  }

  absl::StatusOr<NcclUniqueId> MakeUniqueId() override {
    NcclUniqueId id;
    id.bytes[0] = 'f';
    return id;
  }

  absl::Status StartInit(const NcclUniqueId& id, int world_size,
                         int rank) override {
    if (id.bytes[0] != 'f') {
      return absl::InvalidArgumentError("not the fake world's unique id");
    }
    if (world_size != state_->world || rank != rank_) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank ", rank, " of ", world_size,
                       " joins the fake "
                       "rank ",
                       rank_, " of ", state_->world));
    }
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->started_init;
    state_->cv.notify_all();
    return absl::OkStatus();
  }

  absl::Status CommState() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->errors[rank_].ok()) return state_->errors[rank_];
    if (!failure_.empty()) return absl::InternalError(failure_);
    if (aborted_) return absl::InternalError("the communicator was aborted");
    if (state_->started_init < state_->world || state_->hold_init) {
      return absl::UnavailableError("initialisation in progress");
    }
    return absl::OkStatus();
  }

  void Abort() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    aborted_ = true;
    state_->failed[rank_] = true;
    state_->cv.notify_all();
  }

  absl::Status BindThread() override { return absl::OkStatus(); }

  absl::Status OrderAfterCompute() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->counts[rank_].ordered_after_compute;
    return absl::OkStatus();
  }
  // As NCCL's: the calls between the outermost GroupStart and its GroupEnd
  // are launched at that GroupEnd, together.
  absl::Status GroupStart() override {
    if (group_depth_++ == 0) group_ = next_group_++;
    return absl::OkStatus();
  }
  absl::Status GroupEnd() override {
    if (group_depth_ == 0) {
      return absl::FailedPreconditionError("GroupEnd without GroupStart");
    }
    if (--group_depth_ > 0) return absl::OkStatus();
    std::vector<Contribution> grouped = std::move(grouped_);
    grouped_.clear();
    for (const Contribution& c : grouped) {
      if (absl::Status s = Enqueue(c); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status AllReduce(const void* in, void* out, size_t count, NcclType type,
                         NcclOp op) override {
    return Submit({Kind::kAllReduce, in, out, count, type, op, 0});
  }
  absl::Status Broadcast(const void* in, void* out, size_t count, NcclType type,
                         int root) override {
    return Submit({Kind::kBroadcast, in, out, count, type, NcclOp::kSum, root});
  }
  absl::Status Reduce(const void* in, void* out, size_t count, NcclType type,
                      NcclOp op, int root) override {
    return Submit({Kind::kReduce, in, out, count, type, op, root});
  }
  absl::Status AllGather(const void* in, void* out, size_t count,
                         NcclType type) override {
    return Submit({Kind::kAllGather, in, out, count, type, NcclOp::kSum, 0});
  }

  absl::StatusOr<NcclEvent> RecordEvent() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return NcclEvent{enqueued_};
  }
  absl::StatusOr<bool> EventDone(NcclEvent event) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return completed_ >= event.id;
  }
  absl::Status ComputeWaits(NcclEvent event) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->counts[rank_].compute_waits;
    state_->compute_waits_for[rank_] =
        std::max(state_->compute_waits_for[rank_], event.id);
    return absl::OkStatus();
  }
  void ReleaseEvent(NcclEvent event) override {}

  std::string StallDetail() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (queue_.empty()) return "";
    const auto slot = state_->slots.find(queue_.front().first);
    std::vector<int> missing;
    for (int r = 0; r < state_->world; ++r) {
      if (slot == state_->slots.end() || !slot->second.has[r]) {
        if (r != rank_) missing.push_back(r);
      }
    }
    return absl::StrCat("ranks that did not arrive: ",
                        absl::StrJoin(missing, ", "));
  }

 private:
  // A call: held for its group's GroupEnd inside a group, launched at once
  // outside one.
  absl::Status Submit(Contribution c) {
    if (group_depth_ == 0) return Enqueue(c);
    c.group = group_;
    grouped_.push_back(c);
    return absl::OkStatus();
  }

  absl::Status Enqueue(const Contribution& c) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (aborted_) return absl::FailedPreconditionError("aborted");
    state_->sequences[rank_].push_back(Describe(c));
    queue_.emplace_back(next_index_++, c);
    ++enqueued_;
    ++state_->counts[rank_].collectives;
    state_->cv.notify_all();
    return absl::OkStatus();
  }

  bool Stop() const { return stopping_ || aborted_; }

  // The worker: one collective at a time, in order, as a stream runs them.
  void Work() {
    State& s = *state_;
    std::unique_lock<std::mutex> lock(s.mutex);
    while (true) {
      s.cv.wait(lock, [&] { return Stop() || !queue_.empty(); });
      if (Stop()) return;
      const uint64_t index = queue_.front().first;
      const Contribution mine = queue_.front().second;
      State::Slot* slot = &s.slots[index];
      slot->posted.resize(s.world);
      slot->has.resize(s.world, false);
      slot->posted[rank_] = mine;
      slot->has[rank_] = true;
      ++slot->arrived;
      s.cv.notify_all();
      if (!WaitFor(lock, [&] { return slot->arrived == s.world; })) return;
      // Before anything is read: a call with another count or type would
      // read or write past a buffer, as real NCCL would (or hang).
      for (int r = 0; r < s.world; ++r) {
        const std::string theirs = Describe(slot->posted[r]);
        if (theirs != Describe(mine)) {
          const int low = std::min(rank_, r), high = std::max(rank_, r);
          failure_ =
              absl::StrCat("collective mismatch at call #", index,
                           " of the ranks' sequences: rank ", low, " called ",
                           Describe(slot->posted[low]), ", rank ", high,
                           " called ", Describe(slot->posted[high]));
          s.Mismatched(index, failure_);
          s.failed[rank_] = true;
          s.cv.notify_all();
          return;
        }
      }
      // Read every input first, then write: outputs may alias inputs.
      const at::Tensor result = Compute(*slot);
      ++slot->read;
      s.cv.notify_all();
      if (!WaitFor(lock, [&] { return slot->read == s.world; })) return;
      if (result.defined()) {
        Contribution out = mine;  // an all-gather writes world x count
        out.count = static_cast<size_t>(result.numel());
        View(mine.out, out).copy_(result);
      }
      if (++slot->done == s.world) s.slots.erase(index);
      queue_.pop_front();
      s.completed[rank_] = ++completed_;
      s.cv.notify_all();
    }
  }

  // Waits for `ready`; false when this runtime stops, or (with failure_
  // set, and this rank marked failed in turn) when a peer has failed: a
  // collective with a failed rank never completes, as with NCCL.
  template <typename Ready>
  bool WaitFor(std::unique_lock<std::mutex>& lock, Ready ready) {
    State& s = *state_;
    s.cv.wait(lock,
              [&] { return Stop() || ready() || s.FailedPeer(rank_) >= 0; });
    if (Stop()) return false;
    // What is ready goes on even when a peer failed since: every rank that
    // reached a mismatched collective reports the mismatch itself.
    if (ready()) return true;
    if (const int peer = s.FailedPeer(rank_); peer >= 0) {
      failure_ = absl::StrCat("peer rank ", peer,
                              " aborted or failed (a remote error)");
      s.failed[rank_] = true;
      s.cv.notify_all();
      return false;
    }
    return true;
  }

  at::Tensor Compute(const State::Slot& slot) const {
    const Contribution& mine = slot.posted[rank_];
    auto reduce = [&] {
      at::Tensor acc = View(slot.posted[0].in, slot.posted[0]).clone();
      for (size_t r = 1; r < slot.posted.size(); ++r) {
        const at::Tensor x = View(slot.posted[r].in, slot.posted[r]);
        switch (mine.op) {
          case NcclOp::kSum:
          case NcclOp::kAvg:
            acc.add_(x);
            break;
          case NcclOp::kMax:
            acc = at::maximum(acc, x);
            break;
          case NcclOp::kMin:
            acc = at::minimum(acc, x);
            break;
        }
      }
      if (mine.op == NcclOp::kAvg) acc.div_(state_->world);
      return acc;
    };
    switch (mine.kind) {
      case Kind::kAllReduce:
        return reduce();
      case Kind::kReduce:
        return rank_ == mine.root ? reduce() : at::Tensor();
      case Kind::kBroadcast:
        return View(slot.posted[mine.root].in, slot.posted[mine.root]).clone();
      case Kind::kAllGather: {
        std::vector<at::Tensor> parts;
        for (const Contribution& c : slot.posted)
          parts.push_back(View(c.in, c));
        return at::cat(parts);
      }
    }
    return at::Tensor();
  }

  std::shared_ptr<State> state_;
  const int rank_;
  // Guarded by state_->mutex.
  std::deque<std::pair<uint64_t, Contribution>> queue_;
  uint64_t next_index_ = 0;
  uint64_t enqueued_ = 0;
  uint64_t completed_ = 0;
  bool stopping_ = false;
  bool aborted_ = false;
  std::string failure_;
  // The issuing thread's only.
  int group_depth_ = 0;
  int64_t group_ = -1;                 // the open group's number
  int64_t next_group_ = 0;             // groups this rank has opened
  std::vector<Contribution> grouped_;  // called in the open group
  std::thread worker_;  // last: starts after everything above exists
};

}  // namespace

FakeNcclWorld::FakeNcclWorld(int world_size)
    : state_(std::make_shared<State>(world_size)) {}

FakeNcclWorld::~FakeNcclWorld() = default;

std::unique_ptr<NcclRuntime> FakeNcclWorld::Runtime(int rank) {
  return std::make_unique<FakeNcclRuntime>(state_, rank);
}

void FakeNcclWorld::InjectAsyncError(int rank, absl::Status error) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->errors[rank] = std::move(error);
  state_->failed[rank] = true;
  state_->cv.notify_all();
}

void FakeNcclWorld::HoldInit(bool hold) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->hold_init = hold;
  state_->cv.notify_all();
}

void FakeNcclWorld::SynchronizeCompute(int rank) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->cv.wait(lock, [&] {
    return state_->failed[rank] ||
           state_->completed[rank] >= state_->compute_waits_for[rank];
  });
}

void FakeNcclWorld::ExpectMismatch() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->expect_mismatch = true;
}

std::string FakeNcclWorld::Mismatch() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->mismatches.empty() ? "" : state_->mismatches.begin()->second;
}

std::vector<std::string> FakeNcclWorld::Sequence(int rank) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->sequences[rank];
}

FakeNcclCounts FakeNcclWorld::Counts(int rank) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->counts[rank];
}

}  // namespace micon::testing
