#include "distributed/all_gather_with_grad.h"

#include <torch/torch.h>

#include <cstdint>
#include <numeric>

namespace micon {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

void CheckOk(const absl::Status& status) {
  TORCH_CHECK(status.ok(), std::string(status.message()));
}

// Autograd functions save only IValues; the communicator, owned by main's
// DistributedContext and alive for the whole run, travels as its address.
int64_t Handle(Communicator& comm) {
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(&comm));
}
Communicator& FromHandle(int64_t handle) {
  return *reinterpret_cast<Communicator*>(static_cast<intptr_t>(handle));
}

std::vector<int64_t> GlobalShape(const torch::Tensor& local, int64_t rows) {
  std::vector<int64_t> shape = local.sizes().vec();
  shape[0] = rows;
  return shape;
}

class AllGatherFunction : public torch::autograd::Function<AllGatherFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor local,
                               int64_t handle, std::vector<int64_t> counts) {
    Communicator& comm = FromHandle(handle);
    const int64_t total =
        std::accumulate(counts.begin(), counts.end(), int64_t{0});
    torch::Tensor contiguous = local.contiguous();
    torch::Tensor global =
        torch::empty(GlobalShape(local, total), local.options());
    CheckOk(comm.AllGatherV(contiguous, global, counts, {})->Wait());
    ctx->saved_data["handle"] = handle;
    ctx->saved_data["counts"] = counts;
    return global;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    Communicator& comm = FromHandle(ctx->saved_data["handle"].toInt());
    const std::vector<int64_t> counts = ctx->saved_data["counts"].toIntVector();
    torch::Tensor grad = grads[0].contiguous();
    torch::Tensor local =
        torch::empty(GlobalShape(grad, counts[comm.rank()]), grad.options());
    CheckOk(comm.ReduceScatterV(grad, local, counts, {ReduceOp::kSum})->Wait());
    return {local, torch::Tensor(), torch::Tensor()};
  }
};

class AllReduceSumFunction
    : public torch::autograd::Function<AllReduceSumFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor tensor,
                               int64_t handle) {
    Communicator& comm = FromHandle(handle);
    torch::Tensor sum = tensor.contiguous().clone();
    CheckOk(comm.AllReduce(sum, {ReduceOp::kSum})->Wait());
    ctx->saved_data["handle"] = handle;
    return sum;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    Communicator& comm = FromHandle(ctx->saved_data["handle"].toInt());
    torch::Tensor sum = grads[0].contiguous().clone();
    CheckOk(comm.AllReduce(sum, {ReduceOp::kSum})->Wait());
    return {sum, torch::Tensor()};
  }
};

}  // namespace

at::Tensor AllGatherWithGrad(Communicator& comm, const at::Tensor& local,
                             const std::vector<int64_t>& row_counts) {
  TORCH_CHECK(static_cast<int>(row_counts.size()) == comm.world_size(),
              "row counts for ", row_counts.size(), " ranks in a world of ",
              comm.world_size());
  TORCH_CHECK(local.dim() >= 1 && local.size(0) == row_counts[comm.rank()],
              "rank ", comm.rank(), " has ", local.dim() ? local.size(0) : 0,
              " rows, the counts say ", row_counts[comm.rank()]);
  return AllGatherFunction::apply(local, Handle(comm), row_counts);
}

at::Tensor AllReduceSumWithGrad(Communicator& comm, const at::Tensor& tensor) {
  return AllReduceSumFunction::apply(tensor, Handle(comm));
}

}  // namespace micon
