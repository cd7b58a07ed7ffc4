// The NCCL communicator's logic over a fake runtime that completes
// asynchronously (fake_nccl_runtime.h): the contract suite at 1, 2 and 4
// thread ranks, CPU tensors on the CPU communicator, a stalled rank, an
// injected asynchronous error, and an initialisation that never finishes.
#include "distributed/nccl/nccl_communicator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>

#include "distributed/gradient_reducer.h"
#include "tests/distributed/communicator_contract.h"
#include "tests/distributed/fake_nccl_runtime.h"
#include "tests/distributed/thread_ranks.h"

namespace micon {
namespace {

using ::micon::testing::FakeNcclWorld;
using ::micon::testing::RunOnThreadRanks;
using ::testing::AllOf;
using ::testing::HasSubstr;

NcclCommunicatorOptions StreamOrdered() {
  NcclCommunicatorOptions o;
  o.waits = NcclWaits::kStreamOrdered;
  return o;
}

// A rank's thread communicator, lent to the NCCL communicator (which owns
// its CPU communicator in production).
class Borrowed final : public Communicator {
 public:
  explicit Borrowed(Communicator& c) : c_(c) {}
  int rank() const override { return c_.rank(); }
  int world_size() const override { return c_.world_size(); }
  const char* backend() const override { return c_.backend(); }
  std::shared_ptr<Work> AllReduce(at::Tensor& t,
                                  const AllReduceOptions& o) override {
    return c_.AllReduce(t, o);
  }
  std::shared_ptr<Work> AllGather(const at::Tensor& in, at::Tensor& out,
                                  const AllGatherOptions& o) override {
    return c_.AllGather(in, out, o);
  }
  std::shared_ptr<Work> AllGatherV(const at::Tensor& in, at::Tensor& out,
                                   const std::vector<int64_t>& counts,
                                   const AllGatherOptions& o) override {
    return c_.AllGatherV(in, out, counts, o);
  }
  std::shared_ptr<Work> ReduceScatterV(const at::Tensor& in, at::Tensor& out,
                                       const std::vector<int64_t>& counts,
                                       const ReduceScatterOptions& o) override {
    return c_.ReduceScatterV(in, out, counts, o);
  }
  std::shared_ptr<Work> Broadcast(at::Tensor& t,
                                  const BroadcastOptions& o) override {
    return c_.Broadcast(t, o);
  }
  std::shared_ptr<Work> Barrier(const BarrierOptions& o) override {
    return c_.Barrier(o);
  }
  void Abort(const std::string& reason) override { c_.Abort(reason); }
  std::chrono::milliseconds default_timeout() const override {
    return c_.default_timeout();
  }

 private:
  Communicator& c_;
};

// `body` on `world` thread ranks, each with an NCCL communicator whose
// runtime is `fake`'s and whose NCCL device is `device` (the CPU: the fake
// owns CPU memory).
void RunOnNcclRanks(int world, FakeNcclWorld& fake, c10::Device device,
                    const std::function<void(Communicator&)>& body,
                    CommunicatorOptions options = {},
                    NcclCommunicatorOptions nccl_options = {}) {
  RunOnThreadRanks(
      world,
      [&](Communicator& cpu) {
        absl::StatusOr<std::unique_ptr<Communicator>> nccl =
            CreateNcclCommunicator(fake.Runtime(cpu.rank()),
                                   std::make_unique<Borrowed>(cpu), device,
                                   options, nccl_options);
        ASSERT_TRUE(nccl.ok())
            << "rank " << cpu.rank() << ": " << nccl.status();
        body(**nccl);
      },
      std::chrono::seconds(120), options);
}

// Two ranks with a 60 s limit (no deadline interferes): one all-reduce that
// succeeds, then rank 1's runtime reports an asynchronous error, the ranks
// agreeing (on the CPU) that it has; then `after` on every rank.
void AfterRank1FailsAsynchronously(
    NcclCommunicatorOptions nccl_options,
    const std::function<void(Communicator&, at::Tensor&)>& after) {
  FakeNcclWorld fake(2);
  CommunicatorOptions options;
  options.timeout = std::chrono::seconds(60);
  RunOnNcclRanks(
      2, fake, c10::Device(c10::kCPU),
      [&](Communicator& comm) {
        at::Tensor t = torch::ones({4});
        ASSERT_TRUE(comm.AllReduce(t, {})->Wait().ok());
        ASSERT_TRUE(comm.Synchronize().ok());
        ASSERT_TRUE(comm.Barrier({})->Wait().ok());
        if (comm.rank() == 1) {
          fake.InjectAsyncError(
              1, absl::InternalError("unhandled cuda error (injected)"));
        }
        ASSERT_TRUE(comm.Barrier({})->Wait().ok());
        after(comm, t);
      },
      options, nccl_options);
}

class NcclContract : public ::testing::TestWithParam<int> {};

TEST_P(NcclContract, AllCollectivesOverAnAsynchronousRuntime) {
  FakeNcclWorld fake(GetParam());
  RunOnNcclRanks(GetParam(), fake, c10::Device(c10::kCPU),
                 [&](Communicator& comm) {
                   EXPECT_STREQ(comm.backend(), "nccl");
                   testing::CheckCommunicatorContract(comm);
                 });
  for (int r = 0; r < GetParam(); ++r) {
    const testing::FakeNcclCounts c = fake.Counts(r);
    EXPECT_GT(c.ordered_after_compute, 0) << "rank " << r;
    // Every launch waited for the compute stream, and every completion made
    // the compute stream wait for it.
    EXPECT_EQ(c.compute_waits, c.ordered_after_compute) << "rank " << r;
    EXPECT_GE(c.collectives, c.ordered_after_compute) << "rank " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, NcclContract, ::testing::Values(1, 2, 4),
                         [](const auto& info) {
                           return "np" + std::to_string(info.param);
                         });

// Overlap (issue 27 item 5): buckets launched from the autograd hooks while
// backward runs, completing asynchronously on the fake's communication
// threads, give the parameters of the synchronous path (every bucket after
// backward) over 20 optimiser steps, in float64.
std::vector<at::Tensor> TrainTwentySteps(int world, bool overlap,
                                         int64_t* launched_in_backward) {
  FakeNcclWorld fake(world);
  std::vector<at::Tensor> result;
  std::mutex mutex;
  RunOnNcclRanks(world, fake, c10::Device(c10::kCPU), [&](Communicator& comm) {
    // The same initial parameters on every rank, from a generator of the
    // rank's own (the ranks are threads: the global one would be raced).
    at::Generator init = at::detail::createCPUGenerator(0);
    const auto options = torch::TensorOptions().dtype(torch::kDouble);
    std::vector<at::Tensor> params = {
        at::randn({16, 8}, init, options), at::randn({16}, init, options),
        at::randn({16, 16}, init, options), at::randn({16}, init, options),
        at::randn({4, 16}, init, options)};
    for (at::Tensor& p : params) p.set_requires_grad(true);
    GradientReducerOptions reduce;
    reduce.first_bucket_bytes = 64 * 8;  // several buckets for 5 tensors
    reduce.bucket_bytes = 256 * 8;
    reduce.overlap = overlap;
    GradientReducer reducer(comm, params, reduce);
    ASSERT_GE(reducer.BucketLayout().size(), 3u);
    torch::optim::SGD sgd(params, torch::optim::SGDOptions(0.05).momentum(0.9));
    for (int step = 0; step < 20; ++step) {
      at::Generator gen = at::detail::createCPUGenerator(
          static_cast<uint64_t>(1000 * step + comm.rank()));
      const at::Tensor x = at::randn({6, 8}, gen, options);
      at::Tensor h = torch::tanh(x.matmul(params[0].t()) + params[1]);
      h = torch::tanh(h.matmul(params[2].t()) + params[3]);
      const at::Tensor loss = h.matmul(params[4].t()).pow(2).mean();
      sgd.zero_grad();
      loss.backward();
      ASSERT_TRUE(reducer.Synchronize().ok());
      sgd.step();
    }
    if (comm.rank() == 0) {
      std::lock_guard<std::mutex> lock(mutex);
      for (const at::Tensor& p : params) result.push_back(p.detach().clone());
      *launched_in_backward = reducer.buckets_launched_during_backward();
    }
  });
  return result;
}

TEST(NcclGradientOverlap, TwentyStepsEqualTheSynchronousPath) {
  for (const int world : {2, 4}) {
    int64_t overlapped = 0, synchronous = 0;
    const std::vector<at::Tensor> a =
        TrainTwentySteps(world, true, &overlapped);
    const std::vector<at::Tensor> b =
        TrainTwentySteps(world, false, &synchronous);
    EXPECT_GT(overlapped, 0) << "no bucket was launched during backward";
    EXPECT_EQ(synchronous, 0);
    ASSERT_EQ(a.size(), 5u);
    ASSERT_EQ(b.size(), 5u);
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_LE((a[k] - b[k]).abs().max().item<double>(), 1e-12)
          << "world " << world << ", parameter " << k;
    }
  }
}

// Small CPU tensors (row counts, checksums, step statistics) take the CPU
// communicator, never the GPU; a tensor on a third device is refused.
TEST(NcclCommunicator, CpuTensorsTakeTheCpuCommunicator) {
  FakeNcclWorld fake(2);
  RunOnNcclRanks(2, fake, c10::Device(c10::kCUDA, 0), [](Communicator& comm) {
    testing::CheckAllReduce(comm);
    testing::CheckAllGatherUneven(comm);
    testing::CheckReduceScatterUneven(comm);
    testing::CheckBroadcast(comm);
    at::Tensor meta = torch::empty({2}, torch::kMeta);
    const absl::Status s = comm.AllReduce(meta, {})->Wait();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("takes tensors on cuda:0 (NCCL) or all on the CPU, "
                          "got one on meta"));
  });
  EXPECT_EQ(fake.Counts(0).collectives, 0);
  EXPECT_EQ(fake.Counts(1).collectives, 0);
}

TEST(NcclCommunicator, AStalledRankTimesOutNamingTheOperationAndTheRank) {
  FakeNcclWorld fake(4);
  RunOnNcclRanks(4, fake, c10::Device(c10::kCPU), [](Communicator& comm) {
    testing::CheckStalledRankIsNamed(comm);
    if (comm.rank() == 2) return;
    // NCCL is aborted: what follows fails at once, naming why.
    at::Tensor t = torch::ones({3});
    const absl::Status after = comm.AllReduce(t, {})->Wait();
    EXPECT_EQ(after.code(), absl::StatusCode::kAborted) << after;
    EXPECT_THAT(std::string(after.message()), HasSubstr("all_reduce #3"));
  });
}

TEST(NcclCommunicator, AnAsynchronousErrorAbortsWithoutWaitingForTheTimeout) {
  AfterRank1FailsAsynchronously({}, [](Communicator& comm, at::Tensor& t) {
    const absl::Status s = comm.AllReduce(t, {})->Wait();
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
    EXPECT_THAT(std::string(s.message()),
                AllOf(HasSubstr("all_reduce #1"),
                      comm.rank() == 1
                          ? HasSubstr("failed: unhandled cuda error (injected)")
                          : HasSubstr("failed: peer rank 1")));
    EXPECT_EQ(comm.AllReduce(t, {})->Wait().code(), absl::StatusCode::kAborted);
  });
}

// On a GPU, Wait() only makes the compute stream wait (the fake's CPU memory
// stands in for the GPU's; SynchronizeCompute for a host read).
TEST(NcclStreamOrderedWaits, WaitReturnsBeforeTheCollectiveCompletes) {
  FakeNcclWorld fake(2);
  std::promise<void> rank0_checked;
  std::shared_future<void> go = rank0_checked.get_future().share();
  RunOnNcclRanks(
      2, fake, c10::Device(c10::kCPU),
      [&](Communicator& comm) {
        at::Tensor t = torch::full({5}, comm.rank() + 1.0);
        if (comm.rank() == 1) go.wait();  // rank 1 has not arrived yet
        std::shared_ptr<Work> work = comm.AllReduce(t, {});
        ASSERT_TRUE(work->Wait().ok());
        if (comm.rank() == 0) {
          // Returned though rank 1 never issued its part: nothing completed.
          EXPECT_FALSE(work->IsCompleted());
          EXPECT_EQ(fake.Counts(0).compute_waits, 1);
          rank0_checked.set_value();
        }
        // A host read sees the final value.
        fake.SynchronizeCompute(comm.rank());
        EXPECT_TRUE(torch::equal(t, torch::full({5}, 3.0)))
            << "rank " << comm.rank();
        EXPECT_TRUE(work->IsCompleted());
        EXPECT_TRUE(comm.Synchronize().ok());
      },
      {}, StreamOrdered());
}

TEST(NcclStreamOrderedWaits, TheWatchdogAbortsAStalledCollectiveAtItsDeadline) {
  FakeNcclWorld fake(2);
  RunOnNcclRanks(
      2, fake, c10::Device(c10::kCPU),
      [&](Communicator& comm) {
        at::Tensor t = torch::ones({3});
        ASSERT_TRUE(comm.AllReduce(t, {})->Wait().ok());
        ASSERT_TRUE(comm.Synchronize().ok());
        if (comm.rank() == 1) return;  // rank 1 never issues the next one
        const auto start = std::chrono::steady_clock::now();
        // Stream-ordered: this Wait returns; no host thread waits on it.
        ASSERT_TRUE(
            comm.AllReduce(t, {ReduceOp::kSum, std::chrono::milliseconds(300)})
                ->Wait()
                .ok());
        // A host read blocked on it is released by the watchdog's abort.
        fake.SynchronizeCompute(0);
        const double waited = std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - start)
                                  .count();
        EXPECT_GE(waited, 0.29);
        EXPECT_LT(waited, 30.0) << "the deadline was 0.3 s";
        // The error reaches the caller at its next call, naming the
        // operation, the limit and the rank that never came.
        const absl::Status next = comm.AllReduce(t, {})->Wait();
        EXPECT_EQ(next.code(), absl::StatusCode::kAborted) << next;
        EXPECT_THAT(std::string(next.message()),
                    AllOf(HasSubstr("all_reduce #2"), HasSubstr("cancelled"),
                          HasSubstr("all_reduce #1"),
                          HasSubstr("did not complete within 0.3 s"),
                          HasSubstr("ranks that did not arrive: 1")));
        const absl::Status sync = comm.Synchronize();
        EXPECT_EQ(sync.code(), absl::StatusCode::kAborted) << sync;
        // CPU operations (the step's statistics, barriers) fail too.
        EXPECT_THAT(std::string(comm.Barrier({})->Wait().message()),
                    HasSubstr("barrier cancelled: NCCL was aborted"));
      },
      {}, StreamOrdered());
}

TEST(NcclStreamOrderedWaits, AnAsynchronousErrorReachesSynchronize) {
  AfterRank1FailsAsynchronously(StreamOrdered(), [](Communicator& comm,
                                                    at::Tensor& t) {
    (void)comm.AllReduce(t, {})->Wait();  // may fail now, or order only
    const absl::Status s = comm.Synchronize();
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()),
                comm.rank() == 1 ? HasSubstr("unhandled cuda error (injected)")
                                 : HasSubstr("peer rank 1"));
  });
}

TEST(NcclCommunicator, AnInitialisationThatNeverEndsTimesOut) {
  FakeNcclWorld fake(2);
  fake.HoldInit(true);
  CommunicatorOptions options;
  options.timeout = std::chrono::milliseconds(300);
  RunOnThreadRanks(2, [&](Communicator& cpu) {
    const absl::StatusOr<std::unique_ptr<Communicator>> nccl =
        CreateNcclCommunicator(fake.Runtime(cpu.rank()),
                               std::make_unique<Borrowed>(cpu),
                               c10::Device(c10::kCPU), options);
    ASSERT_FALSE(nccl.ok());
    EXPECT_EQ(nccl.status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_THAT(std::string(nccl.status().message()),
                HasSubstr("NCCL initialisation did not complete within 0.3 s"));
  });
}

}  // namespace
}  // namespace micon
