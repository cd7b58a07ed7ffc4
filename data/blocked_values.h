#ifndef MICON_DATA_BLOCKED_VALUES_H_
#define MICON_DATA_BLOCKED_VALUES_H_

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace micon {

// Doubles parsed one at a time (a profile table's features, row by row),
// gathered in fixed blocks so that growing never copies what is held: a
// std::vector's doubling held up to twice the table, and shrink_to_fit copied
// it once more. Blocks of the default 64 MiB are mmap'd by glibc (above its
// largest mmap threshold, 32 MiB), so each block freed while Take copies goes
// back to the system at once: the peak is the values plus one block.
class BlockedValues {
 public:
  static constexpr size_t kDefaultBlockValues = size_t{8} << 20;

  explicit BlockedValues(size_t block_values = kDefaultBlockValues);

  void Add(double value);
  size_t size() const { return size_; }
  // The values as a [rows, columns] float64 tensor, row-major in the order
  // added; rows × columns must equal size(). Leaves this empty.
  at::Tensor Take(int64_t rows, int64_t columns);

 private:
  size_t block_values_;
  std::vector<std::vector<double>> blocks_;
  size_t size_ = 0;
};

}  // namespace micon

#endif  // MICON_DATA_BLOCKED_VALUES_H_
