// The strict fake NCCL runtime itself: calls in a group take effect at its
// GroupEnd, every rank's sequence is recorded, and each kind of mismatch
// between the ranks' sequences (count, type, reduction, root, order, a call
// outside the group its peer made it in) is caught before anything is read,
// naming both ranks, the position and both calls.
#include "tests/distributed/fake_nccl_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace micon {
namespace {

using ::micon::testing::FakeNcclWorld;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What each rank calls: its runtime, its rank, and two buffers of 8 doubles.
using Calls = std::function<void(NcclRuntime&, int, double*, double*)>;

// Runs `calls` on 2 thread ranks of `world` and waits until each rank's
// collectives completed or its runtime failed; returns the ranks' states.
std::vector<absl::Status> RunTwoRanks(FakeNcclWorld& world,
                                      const Calls& calls) {
  std::vector<absl::Status> states(2);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] {
      // The buffers outlive the runtime, whose worker reads them.
      std::vector<double> in(8, r + 1.0), out(16, 0.0);
      std::unique_ptr<NcclRuntime> rt = world.Runtime(r);
      absl::StatusOr<NcclUniqueId> id = rt->MakeUniqueId();
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE(rt->StartInit(*id, 2, r).ok());
      calls(*rt, r, in.data(), out.data());
      absl::StatusOr<NcclEvent> done = rt->RecordEvent();
      ASSERT_TRUE(done.ok());
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (std::chrono::steady_clock::now() < deadline) {
        states[r] = rt->CommState();
        if (!states[r].ok() && !absl::IsUnavailable(states[r])) break;
        absl::StatusOr<bool> finished = rt->EventDone(*done);
        if (states[r].ok() && finished.ok() && *finished) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  for (std::thread& t : ranks) t.join();
  return states;
}

// A planted mismatch: both ranks fail and the fake's report is returned.
std::string Planted(const Calls& calls) {
  FakeNcclWorld world(2);
  world.ExpectMismatch();
  const std::vector<absl::Status> states = RunTwoRanks(world, calls);
  for (int r = 0; r < 2; ++r) {
    EXPECT_FALSE(states[r].ok()) << "rank " << r << " did not fail";
    EXPECT_THAT(states[r].message(), HasSubstr("collective mismatch"))
        << "rank " << r;
  }
  return world.Mismatch();
}

// Both ranks first run one matching all-reduce, so the planted call is #1.
void Matching(NcclRuntime& rt, double* in, double* out) {
  ASSERT_TRUE(rt.AllReduce(in, out, 8, NcclType::kDouble, NcclOp::kSum).ok());
}

TEST(StrictFakeNccl, MatchingSequencesRunAndAreRecorded) {
  FakeNcclWorld world(2);
  double result = 0;
  const std::vector<absl::Status> states =
      RunTwoRanks(world, [&](NcclRuntime& rt, int r, double* in, double* out) {
        Matching(rt, in, out);
        ASSERT_TRUE(rt.GroupStart().ok());
        ASSERT_TRUE(
            rt.Broadcast(in, out + 8, 4, NcclType::kDouble, /*root=*/1).ok());
        ASSERT_TRUE(rt.GroupEnd().ok());
        absl::StatusOr<NcclEvent> done = rt.RecordEvent();
        while (done.ok() && !*rt.EventDone(*done)) std::this_thread::yield();
        if (r == 0) result = out[0] + out[8];
      });
  for (const absl::Status& s : states) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(result, 3.0 + 2.0);  // the sum over ranks, then rank 1's value
  EXPECT_EQ(world.Mismatch(), "");
  for (int r = 0; r < 2; ++r) {
    EXPECT_THAT(world.Sequence(r),
                ElementsAre("all_reduce(count 8, double, sum, outside a group)",
                            "broadcast(count 4, double, root 1, in group 0)"));
  }
}

TEST(StrictFakeNccl, GroupedCallsTakeEffectAtGroupEnd) {
  FakeNcclWorld world(1);
  std::vector<double> in(4, 1.0), out(4, 0.0);
  std::unique_ptr<NcclRuntime> rt = world.Runtime(0);
  ASSERT_TRUE(rt->StartInit(*rt->MakeUniqueId(), 1, 0).ok());
  ASSERT_TRUE(rt->GroupStart().ok());
  ASSERT_TRUE(rt->GroupStart().ok());  // nested: the outer GroupEnd counts
  ASSERT_TRUE(
      rt->AllReduce(in.data(), out.data(), 4, NcclType::kDouble, NcclOp::kSum)
          .ok());
  ASSERT_TRUE(rt->GroupEnd().ok());
  EXPECT_EQ(world.Counts(0).collectives, 0);
  EXPECT_TRUE(world.Sequence(0).empty());
  ASSERT_TRUE(rt->GroupEnd().ok());
  EXPECT_EQ(world.Counts(0).collectives, 1);
  EXPECT_EQ(world.Sequence(0).size(), 1u);
  EXPECT_FALSE(rt->GroupEnd().ok());  // no group is open
}

TEST(StrictFakeNccl, ACountMismatchIsNamed) {
  EXPECT_THAT(
      Planted([](NcclRuntime& rt, int r, double* in, double* out) {
        Matching(rt, in, out);
        ASSERT_TRUE(rt.AllReduce(in, out, r == 0 ? 4 : 5, NcclType::kDouble,
                                 NcclOp::kSum)
                        .ok());
      }),
      AllOf(HasSubstr("call #1"),
            HasSubstr("rank 0 called all_reduce(count 4, double, sum"),
            HasSubstr("rank 1 called all_reduce(count 5, double, sum")));
}

TEST(StrictFakeNccl, ATypeMismatchIsNamed) {
  EXPECT_THAT(
      Planted([](NcclRuntime& rt, int r, double* in, double* out) {
        Matching(rt, in, out);
        ASSERT_TRUE(rt.AllReduce(in, out, 4,
                                 r == 0 ? NcclType::kDouble : NcclType::kFloat,
                                 NcclOp::kSum)
                        .ok());
      }),
      AllOf(HasSubstr("call #1"), HasSubstr("(count 4, double"),
            HasSubstr("(count 4, float")));
}

TEST(StrictFakeNccl, AReductionMismatchIsNamed) {
  EXPECT_THAT(Planted([](NcclRuntime& rt, int r, double* in, double* out) {
                ASSERT_TRUE(rt.AllReduce(in, out, 4, NcclType::kDouble,
                                         r == 0 ? NcclOp::kSum : NcclOp::kMax)
                                .ok());
              }),
              AllOf(HasSubstr("call #0"), HasSubstr("double, sum"),
                    HasSubstr("double, max")));
}

TEST(StrictFakeNccl, ARootMismatchIsNamed) {
  EXPECT_THAT(
      Planted([](NcclRuntime& rt, int r, double* in, double* out) {
        Matching(rt, in, out);
        ASSERT_TRUE(rt.Broadcast(in, out, 4, NcclType::kDouble, r).ok());
      }),
      AllOf(HasSubstr("call #1"), HasSubstr("rank 0 called broadcast"),
            HasSubstr("root 0"), HasSubstr("root 1")));
}

TEST(StrictFakeNccl, AnOrderMismatchIsNamed) {
  EXPECT_THAT(
      Planted([](NcclRuntime& rt, int r, double* in, double* out) {
        const auto all_reduce = [&] {
          ASSERT_TRUE(
              rt.AllReduce(in, out, 4, NcclType::kDouble, NcclOp::kSum).ok());
        };
        const auto broadcast = [&] {
          ASSERT_TRUE(rt.Broadcast(in, out + 4, 4, NcclType::kDouble, 0).ok());
        };
        if (r == 0) {
          all_reduce();
          broadcast();
        } else {
          broadcast();
          all_reduce();
        }
      }),
      AllOf(HasSubstr("call #0"), HasSubstr("rank 0 called all_reduce"),
            HasSubstr("rank 1 called broadcast")));
}

TEST(StrictFakeNccl, ACallOutsideItsGroupIsNamed) {
  EXPECT_THAT(
      Planted([](NcclRuntime& rt, int r, double* in, double* out) {
        if (r == 0) {
          ASSERT_TRUE(rt.GroupStart().ok());
        }
        ASSERT_TRUE(
            rt.AllReduce(in, out, 4, NcclType::kDouble, NcclOp::kSum).ok());
        if (r == 0) {
          ASSERT_TRUE(rt.GroupEnd().ok());
        }
      }),
      AllOf(HasSubstr("call #0"),
            HasSubstr("rank 0 called all_reduce(count 4, double, sum, in "
                      "group 0)"),
            HasSubstr("rank 1 called all_reduce(count 4, double, sum, "
                      "outside a group)")));
}

}  // namespace
}  // namespace micon
