// similarity_tiles.h: an n x n similarity matrix of unit rows, visited tile by
// tile so that it is never held whole, and the exact value every streamed
// metric decides by.
//
//   const at::Tensor u = UnitRows(profiles);         // profile_similarity.h
//   const ExactSimilarity exact(u);
//   ForEachUpperTile(u, {.tile = 2048}, [&](const SimilarityTile& t) {
//     // t.At(r, c) ~ exact(t.row0 + r, t.col0 + c), within TileMargin
//   });
//
// Why two values per pair: BLAS computes a tile fast (in float32 by default),
// but its rounding depends on the tile's size and position, so it would rank
// near-ties differently for different memory budgets or rank counts.
// ExactSimilarity is a float64 dot product in one fixed order: the same for
// (i, j) and (j, i), in any tile, on any rank. A metric decides with the
// tile's value where that is at least TileMargin away from the boundary it
// tests (a threshold, another pair's exact value), and recomputes the exact
// value only inside the margin. The results are those of the exact values
// alone, whatever the tiles.
#ifndef MICON_CORE_METRICS_SIMILARITY_TILES_H_
#define MICON_CORE_METRICS_SIMILARITY_TILES_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>

#include "core/enum_names.h"
#include "core/metrics/shard_reducer.h"

namespace micon {

enum class TilePrecision { kFloat32, kFloat64 };
inline constexpr EnumName<TilePrecision> kTilePrecisionNames[] = {
    {"float32", TilePrecision::kFloat32}, {"float64", TilePrecision::kFloat64}};

class ExactSimilarity {
 public:
  // `unit_rows`: [n, d], float64 (UnitRows or CentredUnitRows).
  explicit ExactSimilarity(const at::Tensor& unit_rows);
  double operator()(int64_t i, int64_t j) const {
    const double* a = data_ + i * width_;
    const double* b = data_ + j * width_;
    double sum = 0;
    for (int64_t k = 0; k < width_; ++k) sum += a[k] * b[k];
    return sum;
  }
  int64_t rows() const { return rows_; }
  int64_t width() const { return width_; }

 private:
  at::Tensor unit_;
  const double* data_;
  int64_t rows_;
  int64_t width_;
};

// A bound on |tile value - exact value| for unit rows of `width` features,
// with room to spare: (width + 2) roundings of the tile's precision (its
// inputs' rounding and a width-long sum of products, each term at most 1 in
// sum since the rows have unit length), the exact value's own width
// roundings in float64, times 4.
double TileMargin(TilePrecision precision, int64_t width);

struct TileOptions {
  int64_t tile = 2048;  // rows and columns per tile
  TilePrecision precision = TilePrecision::kFloat32;
  // This process visits the tiles whose index (in ForEachUpperTile's order)
  // is `shard` modulo `shards`; the shards combine their counts through a
  // ShardReducer (shard_reducer.h).
  int shard = 0;
  int shards = 1;
  // Fill SimilarityTile::st (ForEachOrderedRow needs it; a visitor of
  // unordered pairs does not, and saves a tile-sized copy).
  bool transposed = true;
  // Called after each tile this shard visits, with how many it has visited
  // and will visit in this sweep (a screen of 10^6 wells takes hours).
  std::function<void(int64_t visited, int64_t total)> progress;
};

// `options` narrowed to the share of the tiles `shards` gives this process.
TileOptions ShardTiles(TileOptions options, const ShardReducer& shards);

// How many tiles ForEachUpperTile visits on `options.shard` for `rows` rows.
int64_t TilesOfShard(int64_t rows, const TileOptions& options);

// One tile of the upper triangle: rows [row0, row0 + rows) against columns
// [col0, col0 + cols), col0 >= row0. `s` is row-major [rows, cols]; `st` the
// same tile transposed ([cols, rows]), null on a diagonal tile
// (row0 == col0), where `s` already holds both orders, and when the options
// ask for none.
struct SimilarityTile {
  int64_t row0 = 0, rows = 0, col0 = 0, cols = 0;
  const double* s = nullptr;
  const double* st = nullptr;
  bool diagonal() const { return row0 == col0; }
};

// Visits the tiles with col0 >= row0, row-block by row-block (this shard's
// share of them). Every unordered pair {i, j}, i != j, lies in exactly one
// tile (in `s`, with i < j on a diagonal tile); every ordered pair (i, j) is
// in exactly one row of either `s` or `st`.
void ForEachUpperTile(const at::Tensor& unit_rows, const TileOptions& options,
                      const std::function<void(const SimilarityTile&)>& visit);

// Every ordered pair (i, j), i != j, of a tile, as row segments: `row`
// sees row i's values at columns [col0, col0 + count) (it must skip j == i
// itself, on diagonal tiles). Rows run in parallel (at::parallel_for), each
// row once per tile: `row` may touch row i's own state only.
void ForEachOrderedRow(
    const SimilarityTile& tile,
    const std::function<void(int64_t i, int64_t col0, const double* values,
                             int64_t count)>& row);

// ForEachOrderedRow over every tile ForEachUpperTile visits: each ordered
// pair (i, j), i != j, of this shard's tiles once, as row segments. What a
// per-query accumulator (streamed ranks) sweeps.
void ForEachOrderedRowOfTiles(
    const at::Tensor& unit_rows, const TileOptions& options,
    const std::function<void(int64_t i, int64_t col0, const double* values,
                             int64_t count)>& row);

// A per-query accumulator's whole sweep: its Row(i, col0, values, count) for
// every row segment of this shard's tiles, then Reduce(shards) to combine the
// shards' counts, then what its Finish() returns.
template <typename Accumulator>
auto AccumulateOrderedRows(const at::Tensor& unit_rows,
                           const TileOptions& options, ShardReducer& shards,
                           Accumulator& accumulator) {
  ForEachOrderedRowOfTiles(
      unit_rows, options,
      [&](int64_t i, int64_t col0, const double* values, int64_t count) {
        accumulator.Row(i, col0, values, count);
      });
  accumulator.Reduce(shards);
  return accumulator.Finish();
}

// Bytes one tile of `tile` rows needs while visited (the product in its
// precision, the float64 copy and its transpose).
int64_t TileBytes(int64_t tile, TilePrecision precision);

// Bytes `rows` rows of `width` features take while their tiles are swept:
// the rows as given (float64), their unit rows with one temporary of that
// size, and the unit rows' copy in the tiles' precision.
int64_t SweptRowsBytes(int64_t rows, int64_t width, TilePrecision precision);

}  // namespace micon

#endif  // MICON_CORE_METRICS_SIMILARITY_TILES_H_
