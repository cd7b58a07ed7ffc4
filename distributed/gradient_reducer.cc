#include "distributed/gradient_reducer.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"

namespace micon {

struct GradientReducer::Bucket {
  std::vector<size_t> params;
  at::Tensor flat;
  size_t pending = 0;
  std::shared_ptr<Work> work;
};

GradientReducer::GradientReducer(Communicator& comm,
                                 const std::vector<at::Tensor>& parameters,
                                 const GradientReducerOptions& options)
    : comm_(comm), options_(options) {
  for (const at::Tensor& p : parameters) {
    if (p.requires_grad()) params_.push_back(p);
  }
  bucket_of_.resize(params_.size());
  offset_of_.resize(params_.size());
  received_.assign(params_.size(), false);
  int64_t cap = options.first_bucket_bytes, bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const at::Tensor& p = params_[k];
    const int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
    const bool new_bucket =
        buckets_.empty() || bytes + size > cap ||
        buckets_.back()->flat.scalar_type() != p.scalar_type();
    if (new_bucket) {
      if (!buckets_.empty()) cap = options.bucket_bytes;
      buckets_.push_back(std::make_unique<Bucket>());
      buckets_.back()->flat = at::empty({0}, p.options().requires_grad(false));
      bytes = 0;
    }
    Bucket& b = *buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    offset_of_[k] = bytes / p.element_size();
    b.params.push_back(k);
    bytes += size;
    b.flat = at::zeros({bytes / static_cast<int64_t>(p.element_size())},
                       b.flat.options());
  }
  for (auto& b : buckets_) b->pending = b->params.size();
  for (size_t k = 0; k < params_.size(); ++k) {
    hook_ids_.push_back(params_[k].register_hook(
        [this, k](const at::Tensor& grad) { OnGradient(k, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  for (size_t k = 0; k < params_.size(); ++k)
    params_[k].remove_hook(hook_ids_[k]);
}

void GradientReducer::OnGradient(size_t param, const at::Tensor& grad) {
  Bucket& b = *buckets_[bucket_of_[param]];
  TORCH_CHECK(!received_[param], "parameter ", param,
              " got two gradients before Synchronize(); one backward per step");
  received_[param] = true;
  b.flat.narrow(0, offset_of_[param], grad.numel()).copy_(grad.reshape(-1));
  --b.pending;
  if (options_.overlap) LaunchReadyBuckets();
}

void GradientReducer::Launch(Bucket& bucket) {
  bucket.work = comm_.AllReduce(bucket.flat, {options_.op});
}

void GradientReducer::LaunchReadyBuckets() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_]->pending == 0) {
    Launch(*buckets_[next_launch_++]);
    ++launched_in_backward_;
  }
}

absl::Status GradientReducer::Synchronize() {
  // The buckets not launched during backward, in order: without overlap all
  // of them; with it, those with parameters that got no gradient (zeros
  // stand in).
  for (; next_launch_ < buckets_.size(); ++next_launch_) {
    Bucket& b = *buckets_[next_launch_];
    for (size_t k : b.params) {
      if (!received_[k])
        b.flat.narrow(0, offset_of_[k], params_[k].numel()).zero_();
    }
    Launch(b);
  }
  absl::Status status;
  for (auto& b : buckets_) {
    absl::Status s = b->work->Wait();
    if (status.ok() && !s.ok()) status = s;
  }
  if (status.ok()) {
    torch::NoGradGuard no_grad;
    for (size_t k = 0; k < params_.size(); ++k) {
      Bucket& b = *buckets_[bucket_of_[k]];
      at::Tensor reduced = b.flat.narrow(0, offset_of_[k], params_[k].numel())
                               .view_as(params_[k]);
      if (!received_[k] && reduced.eq(0).all().item<bool>())
        continue;  // unused everywhere
      at::Tensor& grad = params_[k].mutable_grad();
      if (grad.defined()) {
        grad.copy_(reduced);
      } else {
        grad = reduced.clone();
      }
    }
  }
  for (auto& b : buckets_) {
    b->pending = b->params.size();
    b->work.reset();
  }
  std::fill(received_.begin(), received_.end(), false);
  next_launch_ = 0;
  return status;
}

std::vector<std::vector<size_t>> GradientReducer::BucketLayout() const {
  std::vector<std::vector<size_t>> layout;
  for (const auto& b : buckets_) layout.push_back(b->params);
  return layout;
}

}  // namespace micon
