#include "tests/distributed/invariant.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>
#include <numeric>

#include "core/micon_model.h"
#include "core/micon_step_loss.h"
#include "distributed/communicator_sum.h"
#include "distributed/distributed_gather.h"
#include "distributed/gradient_reducer.h"
#include "distributed/parameter_sync.h"

namespace micon::testing {
namespace {

constexpr int64_t kFeatures = 12, kBits = 16, kChannels = 2, kSide = 32;
// CellCLIP wells: up to kFields fields of kChannels vectors of kWidth.
constexpr int64_t kFields = 3, kWidth = 8;

MiconModelOptions ModelOptions(const InvariantCase& c,
                               std::shared_ptr<CrossRankSum> sync) {
  MiconModelOptions o;
  o.molecule_features = kBits;
  o.projection_hidden = {64};
  o.projection_dim = 32;
  o.molecule_hidden = {32};
  o.molecule_dim = 16;
  o.generator_hidden = {32};
  if (c.h_alignment) o.generator_form = GeneratorForm::kResidual;
  if (c.objective == Objective::kCellclip) {
    o.input = InputKind::kEmbeddings;
    o.cross_channel =
        CrossChannelOptions{kChannels,         kWidth,      /*width=*/16,
                            /*layers=*/2,      /*heads=*/4,
                            /*pool_hidden=*/8, /*dim=*/12};
  } else if (c.image_encoder) {
    o.input = InputKind::kImages;
    o.image =
        ImageEncoderOptions{ResNetOptions{18, 3, NormKind::kSyncBatch, sync},
                            kChannels, ChannelMode::kPerChannel};
  } else {
    o.input = InputKind::kProfiles;
    o.profile = ProfileEncoderOptions{kFeatures, {32}, 24};
  }
  return o;
}

// The global batch, identical on every rank (its own generator, not the
// process-wide one).
StepBatch GlobalBatch(const InvariantCase& c, int64_t entries) {
  at::Generator gen = at::detail::createCPUGenerator(2024);
  const bool one_per_compound =
      c.objective == Objective::kClip || c.objective == Objective::kCellclip;
  const int64_t views = one_per_compound ? 1 : 2;
  std::vector<int64_t> sample = {entries, views};
  if (c.objective == Objective::kCellclip) {
    sample = {entries, kFields, kChannels, kWidth};
  } else if (c.image_encoder) {
    sample.insert(sample.end(), {kChannels, kSide, kSide});
  } else {
    sample.push_back(kFeatures);
  }
  StepBatch b;
  b.samples = torch::randn(sample, gen);
  std::vector<int64_t> control_shape = sample;
  control_shape[1] = 2;
  b.controls = torch::randn(control_shape, gen);
  // Several entries share compounds, so there are positives across ranks.
  b.compound = torch::randint(0, std::max<int64_t>(2, entries / 2), {entries},
                              gen, torch::kLong);
  // CLIP-style batches repeat compounds too, within and across ranks (the
  // sampler fills a batch that way when compounds run short), so the
  // same-compound mask must span the ranks.
  if (one_per_compound) {
    b.compound = torch::arange(entries, torch::kLong) % (entries / 2 + 1);
  }
  if (c.objective == Objective::kCellclip) {
    // Wells of 1, 2 and 3 fields, padded with zeros as the source pads them.
    b.present = torch::arange(kFields).unsqueeze(0) <
                (torch::arange(entries) % kFields + 1).unsqueeze(1);
    b.samples = b.samples * b.present.unsqueeze(-1).unsqueeze(-1);
    b.controls = at::Tensor();
  }
  // A compound's rows share its molecule.
  b.molecule = torch::randint(0, 2, {entries, kBits}, gen, torch::kLong)
                   .to(torch::kFloat)
                   .index_select(0, b.compound);
  return b;
}

// Entries [begin, end) of `b`, on `device`.
StepBatch Slice(const StepBatch& b, int64_t begin, int64_t end,
                const c10::Device& device) {
  auto part = [&](const at::Tensor& t) {
    return t.defined() ? t.slice(0, begin, end).to(device) : t;
  };
  StepBatch out{part(b.samples), part(b.controls), part(b.compound),
                part(b.molecule)};
  out.present = part(b.present);
  return out;
}

// The batch's floating tensors in `dtype`.
StepBatch Cast(const StepBatch& b, torch::Dtype dtype) {
  auto cast = [&](const at::Tensor& t) {
    return t.defined() ? t.to(dtype) : t;
  };
  StepBatch out = b;
  out.samples = cast(b.samples);
  out.controls = cast(b.controls);
  out.molecule = cast(b.molecule);
  return out;
}

at::Tensor FlatGrads(const std::vector<at::Tensor>& params);

// Same initial parameters on every rank and in every run: thread ranks share
// one random generator, so construction happens under a lock with a fixed seed.
// (Broadcasting from rank 0 is still exercised: the contract suite starts ranks
// from different parameters.)
MiconModel Build(const MiconModelOptions& options, torch::Dtype dtype) {
  static std::mutex construction;
  std::lock_guard<std::mutex> lock(construction);
  torch::manual_seed(7);
  MiconModel model(options);
  model->to(dtype);
  return model;
}

// One process on the whole batch, from `params`' values, in `dtype`: [loss,
// gradients...].
at::Tensor OneProcess(const InvariantCase& c, MiconModel& from,
                      const StepBatch& batch, const StepLossOptions& options,
                      torch::Dtype dtype) {
  MiconModel single = Build(ModelOptions(c, nullptr), dtype);
  {
    torch::NoGradGuard no_grad;
    const auto source = from->named_parameters();
    for (auto& p : single->named_parameters()) p.value().copy_(source[p.key()]);
  }
  SingleProcessGather one;
  const LossParts parts =
      ComputeStepLoss(*single, Cast(batch, dtype), options, one);
  parts.total.backward();
  return torch::cat(
      {parts.total.detach().reshape({1}).to(torch::kDouble),
       FlatGrads(single->ParametersFor(c.objective)).to(torch::kDouble)});
}

at::Tensor FlatGrads(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> flat;
  for (const at::Tensor& p : params) {
    EXPECT_TRUE(p.grad().defined());
    flat.push_back(p.grad().defined() ? p.grad().reshape(-1)
                                      : torch::zeros({p.numel()}, p.options()));
  }
  return torch::cat(flat);
}

}  // namespace

std::string CaseName(const InvariantCase& c) {
  const char* encoder = c.objective == Objective::kCellclip ? "_crosschannel"
                        : c.image_encoder                   ? "_resnet18_syncbn"
                                                            : "_profile";
  return std::string(ObjectiveName(c.objective)) + encoder +
         (c.float64 ? "_f64" : "_f32") + (c.h_alignment ? "_h_alignment" : "") +
         (c.targets == CellclipTargets::kCwcl ? "_cwcl" : "") +
         (c.detach_treated ? "" : "_cf_to_encoder");
}

std::vector<int64_t> LocalBatchSizes(int world_size) {
  // Uneven at every world size; past 8 ranks the pattern repeats, so 16 or 32
  // ranks hold 32 or 64 entries: negatives from every rank in every loss.
  constexpr int64_t kSizes[] = {2, 3, 1, 2, 3, 1, 2, 2};
  std::vector<int64_t> sizes(static_cast<size_t>(world_size));
  for (int r = 0; r < world_size; ++r) sizes[r] = kSizes[r % 8];
  return sizes;
}

void CheckStepInvariant(Communicator& comm, const InvariantCase& c,
                        c10::Device device) {
  const int world = comm.world_size();
  const std::vector<int64_t> sizes = LocalBatchSizes(world);
  const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  const int64_t begin =
      std::accumulate(sizes.begin(), sizes.begin() + comm.rank(), int64_t{0});
  const StepLossOptions loss_options{c.objective,
                                     0.5,
                                     1.0,
                                     /*anchor_chunk=*/3,
                                     /*lambda_h=*/c.h_alignment ? 0.7 : 0.0,
                                     c.targets,
                                     c.detach_treated};
  const auto dtype = c.float64 ? torch::kDouble : torch::kFloat;
  const StepBatch global = Cast(GlobalBatch(c, total), dtype);

  MiconModel model =
      Build(ModelOptions(c, std::make_shared<CommunicatorSum>(comm)), dtype);
  model->to(device);
  ASSERT_TRUE(BroadcastModule(comm, *model).ok());
  ASSERT_TRUE(VerifyModuleIdentical(comm, *model).ok());
  const std::vector<at::Tensor> params = model->ParametersFor(c.objective);

  // Rank 0: one process on the concatenated batch from the same parameters, in
  // the case's dtype and, as the exact answer, in float64: [loss, grads |
  // loss64, grads64].
  int64_t grad_elements = 0;
  for (const auto& p : params) grad_elements += p.numel();
  at::Tensor reference =
      torch::zeros({2 * (grad_elements + 1)}, torch::kDouble);
  if (comm.rank() == 0) {
    reference = torch::cat(
        {OneProcess(c, model, global, loss_options, dtype),
         OneProcess(c, model, global, loss_options, torch::kDouble)});
  }
  ASSERT_TRUE(comm.Broadcast(reference, {0})->Wait().ok());

  // Every rank: its own slice, gather with gradient, loss share x world,
  // bucketed averaging.
  GradientReducer reducer(comm, params, {2048, 64 * 1024, ReduceOp::kAvg});
  DistributedGather gather(comm);
  const LossParts parts = ComputeStepLoss(
      *model, Slice(global, begin, begin + sizes[comm.rank()], device),
      loss_options, gather);
  (parts.total * static_cast<double>(world)).backward();
  ASSERT_TRUE(reducer.Synchronize().ok());
  at::Tensor loss = parts.total.detach().reshape({1}).clone();
  ASSERT_TRUE(comm.AllReduce(loss, {ReduceOp::kSum})->Wait().ok());

  const double expected_loss = reference[0].item<double>();
  const double tolerance = c.float64 ? 1e-10 : 1e-5;
  EXPECT_NEAR(loss.item<double>(), expected_loss,
              tolerance * std::abs(expected_loss))
      << CaseName(c) << " rank " << comm.rank();
  const at::Tensor grads = FlatGrads(params).to(torch::kCPU, torch::kDouble);
  const at::Tensor single = reference.slice(0, 1, grad_elements + 1);
  const at::Tensor exact = reference.slice(0, grad_elements + 2);
  const double overall = std::max(exact.abs().max().item<double>(), 1e-12);
  if (c.float64) {
    // Exact: every parameter within 1e-10 of one process, relative to its own
    // largest entry.
    const auto named = model->named_parameters();
    int64_t offset = 0;
    for (size_t k = 0; k < params.size(); ++k) {
      const int64_t n = params[k].numel();
      const at::Tensor e = exact.slice(0, offset, offset + n);
      const double scale = std::max(e.abs().max().item<double>(), 1e-12);
      const double error =
          (grads.slice(0, offset, offset + n) - e).abs().max().item<double>();
      if (error > 1e-10 * scale) {
        std::string name;
        for (const auto& item : named) {
          if (item.value().is_same(params[k])) name = item.key();
        }
        ADD_FAILURE() << CaseName(c) << " rank " << comm.rank()
                      << ": gradient of " << name << " differs by "
                      << error / scale << " of its largest entry";
      }
      offset += n;
    }
    return;
  }
  // float32: the whole gradient within 1e-5 of the exact one (relative to its
  // largest entry), or no worse than twice the error one process makes in
  // float32.
  const double error = (grads - exact).abs().max().item<double>() / overall;
  const double single_error =
      (single - exact).abs().max().item<double>() / overall;
  EXPECT_LE(error, 1e-5 + 2 * single_error)
      << CaseName(c) << " rank " << comm.rank() << ": N ranks are " << error
      << " from the exact gradient, one process in float32 " << single_error;
}

}  // namespace micon::testing
