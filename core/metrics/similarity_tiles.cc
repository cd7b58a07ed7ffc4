#include "core/metrics/similarity_tiles.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

#include "core/openmp_parallel.h"
#include "core/torch_threads.h"

namespace micon {

ExactSimilarity::ExactSimilarity(const at::Tensor& unit_rows)
    : unit_(unit_rows.to(torch::kFloat64).contiguous()),
      data_(unit_.data_ptr<double>()),
      rows_(unit_.size(0)),
      width_(unit_.size(1)) {
  TORCH_CHECK(unit_rows.dim() == 2, "unit rows must be [rows, features], got ",
              unit_rows.sizes());
}

double TileMargin(TilePrecision precision, int64_t width) {
  const double tile_unit = precision == TilePrecision::kFloat32
                               ? std::numeric_limits<float>::epsilon() / 2
                               : std::numeric_limits<double>::epsilon() / 2;
  const double exact_unit = std::numeric_limits<double>::epsilon() / 2;
  const double w = static_cast<double>(width);
  return 4 * ((w + 2) * tile_unit + w * exact_unit);
}

namespace {

int64_t ValueBytes(TilePrecision precision) {
  return precision == TilePrecision::kFloat32 ? 4 : 8;
}

// out = a b, its rows split over LibTorch's threads, each a one-thread BLAS
// call (the caller holds ScopedSingleThreadedBlas): one thread pool on the
// cores, not LibTorch's and OpenBLAS's spinning against each other.
void Product(const at::Tensor& a, const at::Tensor& b, at::Tensor& out) {
  at::parallel_for(0, a.size(0), /*grain_size=*/128,
                   [&](int64_t begin, int64_t end) {
                     at::Tensor rows = out.slice(0, begin, end);
                     at::mm_out(rows, a.slice(0, begin, end), b);
                   });
}

}  // namespace

int64_t TileBytes(int64_t tile, TilePrecision precision) {
  return tile * tile * (ValueBytes(precision) + 2 * 8);
}

int64_t SweptRowsBytes(int64_t rows, int64_t width, TilePrecision precision) {
  return rows * width * (3 * 8 + ValueBytes(precision));
}

int64_t TilesOfShard(int64_t rows, const TileOptions& options) {
  const int64_t blocks = (rows + options.tile - 1) / options.tile;
  const int64_t tiles = blocks * (blocks + 1) / 2;
  return tiles / options.shards + (options.shard < tiles % options.shards);
}

void ForEachUpperTile(const at::Tensor& unit_rows, const TileOptions& options,
                      const std::function<void(const SimilarityTile&)>& visit) {
  TORCH_CHECK(unit_rows.dim() == 2, "unit rows must be [rows, features], got ",
              unit_rows.sizes());
  TORCH_CHECK(options.tile >= 1, "tile must be >= 1, got ", options.tile);
  TORCH_CHECK(options.shards >= 1 && options.shard >= 0 &&
                  options.shard < options.shards,
              "shard ", options.shard, " of ", options.shards);
  const at::Tensor u =
      unit_rows
          .to(options.precision == TilePrecision::kFloat32 ? torch::kFloat32
                                                           : torch::kFloat64)
          .contiguous();
  const int64_t n = u.size(0);
  const ScopedSingleThreadedBlas single_threaded_blas;
  // One set of buffers for every tile: a fresh one per tile would be mapped,
  // zeroed and unmapped by the kernel each time (a tenth of the run).
  const int64_t side = std::min(options.tile, n);
  const at::Tensor product = at::empty({side * side}, u.options());
  const at::Tensor s_buffer =
      at::empty({side * side}, u.options().dtype(torch::kFloat64));
  const at::Tensor st_buffer =
      options.transposed ? at::empty_like(s_buffer) : at::Tensor();
  int64_t index = 0;  // of the tile, in visiting order
  int64_t visited = 0;
  const int64_t total = options.progress ? TilesOfShard(n, options) : 0;
  for (int64_t row0 = 0; row0 < n; row0 += options.tile) {
    const int64_t rows = std::min(options.tile, n - row0);
    const at::Tensor a = u.slice(0, row0, row0 + rows);
    for (int64_t col0 = row0; col0 < n; col0 += options.tile) {
      if (index++ % options.shards != options.shard) continue;
      const int64_t cols = std::min(options.tile, n - col0);
      at::Tensor s = s_buffer.narrow(0, 0, rows * cols).view({rows, cols});
      const at::Tensor b = u.slice(0, col0, col0 + cols).t();
      if (options.precision == TilePrecision::kFloat64) {
        Product(a, b, s);
      } else {
        at::Tensor p = product.narrow(0, 0, rows * cols).view({rows, cols});
        Product(a, b, p);
        s.copy_(p);
      }
      SimilarityTile tile;
      tile.row0 = row0;
      tile.rows = rows;
      tile.col0 = col0;
      tile.cols = cols;
      tile.s = s.data_ptr<double>();
      if (col0 != row0 && options.transposed) {
        const at::Tensor st =
            st_buffer.narrow(0, 0, rows * cols).view({cols, rows});
        st.copy_(s.t());
        tile.st = st.data_ptr<double>();
      }
      visit(tile);
      if (options.progress) options.progress(++visited, total);
    }
  }
}

void ForEachOrderedRow(
    const SimilarityTile& tile,
    const std::function<void(int64_t i, int64_t col0, const double* values,
                             int64_t count)>& row) {
  TORCH_CHECK(tile.diagonal() || tile.st != nullptr,
              "ForEachOrderedRow needs tiles visited with options.transposed");
  // Rows of `s` first, then those of `st`: distinct rows unless diagonal.
  const int64_t segments = tile.rows + (tile.diagonal() ? 0 : tile.cols);
  at::parallel_for(
      0, segments, /*grain_size=*/16, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k) {
          if (k < tile.rows) {
            row(tile.row0 + k, tile.col0, tile.s + k * tile.cols, tile.cols);
          } else {
            const int64_t c = k - tile.rows;
            row(tile.col0 + c, tile.row0, tile.st + c * tile.rows, tile.rows);
          }
        }
      });
}

void ForEachOrderedRowOfTiles(
    const at::Tensor& unit_rows, const TileOptions& options,
    const std::function<void(int64_t i, int64_t col0, const double* values,
                             int64_t count)>& row) {
  ForEachUpperTile(unit_rows, options, [&](const SimilarityTile& tile) {
    ForEachOrderedRow(tile, row);
  });
}

TileOptions ShardTiles(TileOptions options, const ShardReducer& shards) {
  options.shard = shards.shard();
  options.shards = shards.shards();
  return options;
}

}  // namespace micon
