#include "tests/distributed/communicator_contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <numeric>

#include "distributed/all_gather_with_grad.h"
#include "distributed/gradient_reducer.h"
#include "distributed/parameter_sync.h"

namespace micon::testing {
namespace {

void ExpectOk(const absl::Status& s, const Communicator& comm,
              const char* what) {
  EXPECT_TRUE(s.ok()) << "rank " << comm.rank() << " " << what << ": "
                      << s.ToString();
}

// Rank r contributes r + 1 rows.
std::vector<int64_t> UnevenCounts(int world) {
  std::vector<int64_t> counts(world);
  std::iota(counts.begin(), counts.end(), 1);
  return counts;
}

torch::TensorOptions On(const c10::Device& device,
                        torch::Dtype dtype = torch::kFloat) {
  return torch::TensorOptions().dtype(dtype).device(device);
}

}  // namespace

void CheckAllReduce(Communicator& comm, c10::Device device) {
  const int n = comm.world_size();
  const double r1 = comm.rank() + 1;
  for (auto dtype : {torch::kFloat, torch::kDouble, torch::kLong}) {
    at::Tensor sum = torch::full({3, 5}, r1, On(device, dtype));
    ExpectOk(comm.AllReduce(sum, {ReduceOp::kSum})->Wait(), comm, "all_reduce");
    EXPECT_TRUE(sum.eq(n * (n + 1) / 2).all().item<bool>())
        << "rank " << comm.rank();
  }
  at::Tensor avg = torch::full({7}, r1, On(device, torch::kDouble));
  ExpectOk(comm.AllReduce(avg, {ReduceOp::kAvg})->Wait(), comm,
           "all_reduce avg");
  EXPECT_DOUBLE_EQ(avg[6].item<double>(), (n + 1) / 2.0);
  at::Tensor mx = torch::full({2}, r1, On(device)),
             mn = torch::full({2}, r1, On(device));
  ExpectOk(comm.AllReduce(mx, {ReduceOp::kMax})->Wait(), comm,
           "all_reduce max");
  ExpectOk(comm.AllReduce(mn, {ReduceOp::kMin})->Wait(), comm,
           "all_reduce min");
  EXPECT_EQ(mx[0].item<float>(), n);
  EXPECT_EQ(mn[1].item<float>(), 1);
  // Past a backend's small-message path (MPI blocks up to 64 KiB): 320 KB.
  for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg}) {
    at::Tensor large = torch::full({40000}, r1, On(device, torch::kDouble));
    ExpectOk(comm.AllReduce(large, {op})->Wait(), comm, "large all_reduce");
    const double expected =
        op == ReduceOp::kSum ? n * (n + 1) / 2.0 : (n + 1) / 2.0;
    EXPECT_TRUE(large.eq(expected).all().item<bool>())
        << "rank " << comm.rank();
  }
}

void CheckAllGather(Communicator& comm, c10::Device device) {
  const int n = comm.world_size();
  const at::Tensor mine = torch::full({2, 3}, comm.rank(), On(device));
  at::Tensor all = torch::empty({2 * n, 3}, On(device));
  ExpectOk(comm.AllGather(mine, all, {})->Wait(), comm, "all_gather");
  for (int r = 0; r < n; ++r) {
    EXPECT_TRUE(all.slice(0, 2 * r, 2 * r + 2).eq(r).all().item<bool>())
        << "block " << r;
  }
  std::vector<int64_t> counts;
  ExpectOk(GatherRowCounts(comm, comm.rank() * 10, &counts), comm,
           "row counts");
  for (int r = 0; r < n; ++r) EXPECT_EQ(counts[r], 10 * r);
}

void CheckAllGatherUneven(Communicator& comm, c10::Device device) {
  const int n = comm.world_size();
  const std::vector<int64_t> counts = UnevenCounts(n);
  const at::Tensor mine = torch::full({counts[comm.rank()], 4}, comm.rank(),
                                      On(device, torch::kDouble));
  at::Tensor all =
      torch::empty({n * (n + 1) / 2, 4}, On(device, torch::kDouble));
  ExpectOk(comm.AllGatherV(mine, all, counts, {})->Wait(), comm,
           "all_gather_v");
  int64_t row = 0;
  for (int r = 0; r < n; ++r) {
    for (int64_t k = 0; k < counts[r]; ++k, ++row)
      EXPECT_EQ(all[row][3].item<double>(), r);
  }
  at::Tensor wrong =
      torch::empty({n * (n + 1) / 2 + 1, 4}, On(device, torch::kDouble));
  EXPECT_FALSE(comm.AllGatherV(mine, wrong, counts, {})->Wait().ok());
}

void CheckReduceScatterUneven(Communicator& comm, c10::Device device) {
  const int n = comm.world_size();
  const std::vector<int64_t> counts = UnevenCounts(n);
  const int64_t total = n * (n + 1) / 2;
  // Row j of every rank's input holds (rank + 1) * (j + 1).
  const at::Tensor input =
      torch::arange(1, total + 1, On(device)).unsqueeze(1).repeat({1, 2}) *
      static_cast<float>(comm.rank() + 1);
  at::Tensor mine = torch::empty({counts[comm.rank()], 2}, On(device));
  ExpectOk(comm.ReduceScatterV(input, mine, counts, {ReduceOp::kSum})->Wait(),
           comm, "reduce_scatter_v");
  const int64_t offset =
      std::accumulate(counts.begin(), counts.begin() + comm.rank(), int64_t{0});
  for (int64_t k = 0; k < counts[comm.rank()]; ++k) {
    EXPECT_EQ(mine[k][1].item<float>(), (offset + k + 1) * n * (n + 1) / 2.0f);
  }
}

void CheckBroadcast(Communicator& comm, c10::Device device) {
  const int root = comm.world_size() - 1;
  at::Tensor t =
      torch::full({5}, comm.rank() == root ? 42 : -1, On(device, torch::kLong));
  ExpectOk(comm.Broadcast(t, {root})->Wait(), comm, "broadcast");
  EXPECT_TRUE(t.eq(42).all().item<bool>()) << "rank " << comm.rank();
}

void CheckBarrierAndOrdering(Communicator& comm, c10::Device device) {
  // Many small collectives back to back keep their order and results.
  for (int i = 0; i < 50; ++i) {
    at::Tensor t = torch::full({1}, i + comm.rank(), On(device, torch::kLong));
    ExpectOk(comm.AllReduce(t, {ReduceOp::kMax})->Wait(), comm,
             "all_reduce loop");
    EXPECT_EQ(t.item<int64_t>(), i + comm.world_size() - 1);
  }
  ExpectOk(comm.Barrier({})->Wait(), comm, "barrier");
}

void CheckGatherWithGradient(Communicator& comm, c10::Device device) {
  const int n = comm.world_size();
  const std::vector<int64_t> counts = UnevenCounts(n);
  const int64_t offset =
      std::accumulate(counts.begin(), counts.begin() + comm.rank(), int64_t{0});
  at::Tensor local = torch::full({counts[comm.rank()], 2}, comm.rank() + 1.0,
                                 On(device, torch::kDouble))
                         .requires_grad_(true);
  const at::Tensor global = AllGatherWithGrad(comm, local, counts);
  // Every rank weights global row j by j + 1; each rank's rows get that from
  // all n ranks.
  const at::Tensor weights =
      torch::arange(1, global.size(0) + 1, On(device, torch::kDouble))
          .unsqueeze(1)
          .expand({-1, 2});
  (global * weights).sum().backward();
  for (int64_t k = 0; k < counts[comm.rank()]; ++k) {
    EXPECT_DOUBLE_EQ(local.grad()[k][0].item<double>(), n * (offset + k + 1.0));
  }
}

void CheckGradientReducer(Communicator& comm, c10::Device device) {
  torch::nn::Sequential net(torch::nn::Linear(300, 200),
                            torch::nn::Linear(200, 50),
                            torch::nn::Linear(50, 3));
  net->to(device);
  // Registered first, so it lands in the last bucket, which Synchronize()
  // launches.
  torch::nn::Linear unused(4, 4);
  unused->to(device);
  std::vector<at::Tensor> params = unused->parameters();
  for (const at::Tensor& p : net->parameters()) params.push_back(p);
  // A tiny first bucket and small buckets force several launches during
  // backward.
  GradientReducer reducer(comm, params, {4096, 64 * 1024, ReduceOp::kAvg});
  size_t listed = 0;
  for (const auto& bucket : reducer.BucketLayout()) listed += bucket.size();
  EXPECT_EQ(listed, params.size());
  EXPECT_GT(reducer.BucketLayout().size(), 2u);
  for (int step = 0; step < 2; ++step) {
    for (auto& p : params) p.mutable_grad() = at::Tensor();
    // d/dθ of (rank + 1) * sum(θ) is rank + 1; the average is (n + 1) / 2.
    at::Tensor loss = torch::zeros({}, On(device));
    for (const auto& p : net->parameters()) loss = loss + p.sum();
    (loss * (comm.rank() + 1.0)).backward();
    ExpectOk(reducer.Synchronize(), comm, "reducer");
    for (const auto& p : net->parameters()) {
      EXPECT_TRUE(
          p.grad().eq((comm.world_size() + 1) / 2.0f).all().item<bool>());
    }
    for (const auto& p : unused->parameters()) EXPECT_FALSE(p.grad().defined());
  }
  EXPECT_GT(reducer.buckets_launched_during_backward(), 0);
}

void CheckParameterSync(Communicator& comm, c10::Device device) {
  // Deliberately different on every rank (offsets, not seeds: the thread
  // backend's ranks share one process-wide random generator).
  torch::nn::Sequential net(torch::nn::Linear(5, 4), torch::nn::BatchNorm1d(4));
  net->to(device);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.add_(comm.rank());
  }
  at::Tensor rank0_checksum = torch::full(
      {1}, static_cast<int64_t>(ModuleChecksum(*net)), torch::kLong);
  ExpectOk(comm.Broadcast(rank0_checksum, {0})->Wait(), comm,
           "broadcast checksum");
  if (comm.world_size() > 1) {
    const absl::Status differs = VerifyModuleIdentical(comm, *net);
    EXPECT_EQ(differs.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(differs.message()),
                ::testing::HasSubstr("rank(s) 1"));
  }
  ExpectOk(BroadcastModule(comm, *net), comm, "broadcast module");
  ExpectOk(VerifyModuleIdentical(comm, *net), comm, "verify");
  EXPECT_EQ(static_cast<int64_t>(ModuleChecksum(*net)),
            rank0_checksum.item<int64_t>());
}

void CheckStalledRankIsNamed(Communicator& comm) {
  ASSERT_GE(comm.world_size(), 3);
  at::Tensor t = torch::ones({3});
  ASSERT_TRUE(comm.AllReduce(t, {ReduceOp::kSum, std::chrono::seconds(5)})
                  ->Wait()
                  .ok());
  if (comm.rank() == 2) return;  // rank 2 skips the second collective
  const absl::Status s =
      comm.AllReduce(t, {ReduceOp::kSum, std::chrono::milliseconds(300)})
          ->Wait();
  ASSERT_FALSE(s.ok()) << "rank " << comm.rank();
  if (s.code() == absl::StatusCode::kDeadlineExceeded) {
    EXPECT_THAT(
        std::string(s.message()),
        ::testing::AllOf(
            ::testing::HasSubstr("all_reduce #1"),
            ::testing::HasSubstr("ranks that did not arrive: 2"),
            ::testing::HasSubstr("recent operations: all_reduce #0 done")));
  } else {
    // A peer timed out first: the world was aborted (threads), or NCCL
    // reports the remote error (naming the operation).
    EXPECT_TRUE(s.code() == absl::StatusCode::kAborted ||
                s.code() == absl::StatusCode::kInternal)
        << s;
    EXPECT_THAT(std::string(s.message()),
                ::testing::HasSubstr("all_reduce #1"));
  }
  const absl::Status after = comm.AllReduce(t, {})->Wait();
  EXPECT_FALSE(after.ok()) << "rank " << comm.rank()
                           << ": an operation after the failure succeeded";
}

void CheckCommunicatorContract(Communicator& comm, c10::Device device) {
  CheckAllReduce(comm, device);
  CheckAllGather(comm, device);
  CheckAllGatherUneven(comm, device);
  CheckReduceScatterUneven(comm, device);
  CheckBroadcast(comm, device);
  CheckBarrierAndOrdering(comm, device);
  CheckGatherWithGradient(comm, device);
  CheckGradientReducer(comm, device);
  CheckParameterSync(comm, device);
}

}  // namespace micon::testing
