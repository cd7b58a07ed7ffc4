// step_batch.h: one rank's training batch as tensors, the type data/ produces
// and the step loss (micon_step_loss.h) consumes. Tensors only, so the
// loaders do not see the model.
//
// Sample tensors are [B, V, ...sample] (images [B, V, C, H, W], profiles
// [B, V, F]):
//   micon, paclr  samples: V=2 treated views per entry; controls [B, 2, ...]:
//                 a same-plate control per view; compound [B] int64; molecule
//                 [B, F] (micon only)
//   simclr        samples: V=2 augmented views of one image
//   clip          samples: V=1; molecule [B, F]; compounds unique in the
//                 global batch
//   cellclip      samples: wells [B, K, C, D] (K fields, padded); present
//                 [B, K] bool (which fields are real); molecule [B, F];
//                 compounds unique in the global batch
// Tensors an objective does not use are left undefined.
//
// A loader that ships raw views (core/raw_views.h) sends samples and controls
// as int16 crops [B, V, C, W, W] with their parameters [B, V, P] and the view
// size; ExpandRawBatch turns them into the float views above on the device.
#ifndef MICON_CORE_STEP_BATCH_H_
#define MICON_CORE_STEP_BATCH_H_

#include <ATen/core/Tensor.h>

namespace micon {

struct StepBatch {
  at::Tensor samples;
  at::Tensor controls;
  at::Tensor compound;
  at::Tensor molecule;
  at::Tensor present;  // cellclip: [B, K] bool
  // Raw views only: per-view parameters, and the side to expand them to.
  at::Tensor sample_view_params;
  at::Tensor control_view_params;
  int64_t view_size = 0;
};

}  // namespace micon

#endif  // MICON_CORE_STEP_BATCH_H_
