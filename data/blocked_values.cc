#include "data/blocked_values.h"

#include <torch/torch.h>

#include <algorithm>

namespace micon {

BlockedValues::BlockedValues(size_t block_values)
    : block_values_(std::max<size_t>(1, block_values)) {}

void BlockedValues::Add(double value) {
  if (blocks_.empty() || blocks_.back().size() == block_values_) {
    blocks_.emplace_back();
    blocks_.back().reserve(block_values_);
  }
  blocks_.back().push_back(value);
  ++size_;
}

at::Tensor BlockedValues::Take(int64_t rows, int64_t columns) {
  TORCH_CHECK(rows >= 0 && columns >= 0 &&
                  static_cast<int64_t>(size_) == rows * columns,
              size_, " values for [", rows, ", ", columns, "]");
  at::Tensor out = torch::empty({rows, columns}, torch::kFloat64);
  double* to = out.data_ptr<double>();
  for (std::vector<double>& block : blocks_) {
    to = std::copy(block.begin(), block.end(), to);
    std::vector<double>().swap(block);  // freed now, not after the loop
  }
  blocks_.clear();
  size_ = 0;
  return out;
}

}  // namespace micon
