// CellCLIP against an independent implementation: this test runs micon's
// transformer block, gated-attention pool, cross-channel encoder and CellCLIP
// step loss (CLIP and CWCL targets) forward and backward, saves the weights,
// inputs, outputs and gradients with torch::pickle_save, and
// tests/python/cellclip_reference.py recomputes all of it in Debian's
// PyTorch (nn.MultiheadAttention, F.layer_norm, its own CWCL targets and
// losses). It must agree to 1e-10 in float64 and 1e-5 in float32, and it must
// also tell apart planted errors (an attention scale of 1/d, an ignored field
// mask, a lost residual, CWCL targets without their shift, ...). The script
// fails rather than skips when torch is missing: install-deps installs it.
#include <gtest/gtest.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/batch_gather.h"
#include "core/cross_channel_encoder.h"
#include "core/gated_attention_pool.h"
#include "core/micon_model.h"
#include "core/micon_step_loss.h"
#include "core/transformer_block.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::PythonScript;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;

constexpr int64_t kChannels = 3, kInputDim = 6, kWidth = 16, kHeads = 4,
                  kWells = 6, kFields = 3, kFingerprint = 12;

// What a case saves: named tensors, flattened into one dict for Python.
class Dump {
 public:
  void Add(const std::string& key, const torch::Tensor& t) {
    dict_.insert(key, t.detach().clone());
  }
  // Every trained parameter's value and gradient, under prefix/.
  void AddModule(const std::string& prefix, torch::nn::Module& module) {
    for (const auto& p : module.named_parameters()) {
      Add(prefix + "/param/" + p.key(), p.value());
      if (p.value().grad().defined()) {
        Add(prefix + "/grad/" + p.key(), p.value().grad());
      }
    }
  }
  void Save(const std::string& path) const {
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict_));
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

 private:
  c10::Dict<std::string, at::Tensor> dict_;
};

// Wells of 1..kFields present fields; the padding holds large garbage, so a
// mask that let it through would show.
void AddWells(torch::ScalarType dtype, torch::Tensor* wells,
              torch::Tensor* present) {
  *wells = torch::randn({kWells, kFields, kChannels, kInputDim}, dtype);
  *present = torch::zeros({kWells, kFields}, torch::kBool);
  for (int64_t i = 0; i < kWells; ++i) {
    const int64_t fields = 1 + i % kFields;
    present->select(0, i).narrow(0, 0, fields).fill_(true);
    if (fields < kFields) {
      wells->select(0, i).narrow(0, fields, kFields - fields).mul_(50);
    }
  }
}

void DumpTransformerBlock(torch::ScalarType dtype, Dump& dump) {
  TransformerBlock block(TransformerBlockOptions{kWidth, kHeads, 4});
  block->to(dtype);
  const torch::Tensor tokens =
      torch::randn({5, kChannels + 1, kWidth}, dtype).requires_grad_();
  const torch::Tensor out = block->forward(tokens);
  const torch::Tensor direction = torch::randn_like(out);
  (out * direction).sum().backward();
  dump.Add("block/input", tokens);
  dump.Add("block/output", out);
  dump.Add("block/direction", direction);
  dump.Add("block/input_grad", tokens.grad());
  dump.AddModule("block", *block);
}

void DumpPool(torch::ScalarType dtype, Dump& dump) {
  GatedAttentionPool pool(GatedAttentionPoolOptions{kWidth, 8});
  pool->to(dtype);
  torch::Tensor fields = torch::randn({kWells, kFields, kWidth}, dtype);
  torch::Tensor present = torch::zeros({kWells, kFields}, torch::kBool);
  for (int64_t i = 0; i < kWells; ++i) {
    present.select(0, i).narrow(0, 0, 1 + i % kFields).fill_(true);
  }
  fields.masked_fill_(~present.unsqueeze(-1), 30.0);
  fields.requires_grad_();
  const torch::Tensor out = pool->forward(fields, present);
  const torch::Tensor direction = torch::randn_like(out);
  (out * direction).sum().backward();
  dump.Add("pool/input", fields);
  dump.Add("pool/present", present);
  dump.Add("pool/output", out);
  dump.Add("pool/direction", direction);
  dump.Add("pool/input_grad", fields.grad());
  dump.AddModule("pool", *pool);
}

MiconModel CellclipModel(torch::ScalarType dtype) {
  MiconModelOptions options;
  options.input = InputKind::kEmbeddings;
  options.cross_channel = CrossChannelOptions{
      kChannels, kInputDim, kWidth, /*layers=*/2, kHeads, /*pool_hidden=*/8,
      /*dim=*/10};
  options.projection_hidden = {20};
  options.projection_dim = 8;
  options.molecule_features = kFingerprint;
  options.molecule_hidden = {14};
  options.molecule_dim = 9;
  options.generator_hidden = {4};
  MiconModel model(options);
  model->to(dtype);
  return model;
}

// The whole model and its loss: wells -> h -> P(h) against Pm(M(molecule)),
// compounds 0 and 2 repeated, so the same-compound masks matter.
void DumpCellclip(torch::ScalarType dtype, CellclipTargets targets,
                  const std::string& prefix, Dump& dump) {
  MiconModel model = CellclipModel(dtype);
  StepBatch batch;
  AddWells(dtype, &batch.samples, &batch.present);
  batch.compound = torch::tensor({0, 1, 2, 0, 3, 2}, torch::kLong);
  batch.molecule =
      torch::randint(0, 2, {kWells, kFingerprint}, torch::kLong).to(dtype);
  // The encoder alone, h's gradient along a fixed direction.
  const torch::Tensor h = model->EmbedWells(batch.samples, batch.present);
  const torch::Tensor direction = torch::randn_like(h);
  (h * direction).sum().backward();
  dump.Add(prefix + "/h", h);
  dump.Add(prefix + "/h_direction", direction);
  for (const auto& p : model->cross_channel()->named_parameters()) {
    dump.Add(prefix + "/h_grad/" + p.key(), p.value().grad());
  }
  model->zero_grad();

  SingleProcessGather gather;
  StepLossOptions loss_options;
  loss_options.objective = Objective::kCellclip;
  loss_options.cellclip_targets = targets;
  loss_options.anchor_chunk = 4;  // chunked anchors, as a large batch runs
  const LossParts loss = ComputeStepLoss(*model, batch, loss_options, gather);
  loss.total.backward();
  dump.Add(prefix + "/wells", batch.samples);
  dump.Add(prefix + "/present", batch.present);
  dump.Add(prefix + "/compound", batch.compound);
  dump.Add(prefix + "/molecule", batch.molecule);
  dump.Add(prefix + "/loss", loss.total);
  dump.AddModule(prefix, *model);
}

void ExpectReferenceAgrees(torch::ScalarType dtype, const std::string& name) {
  torch::manual_seed(11);
  Dump dump;
  DumpTransformerBlock(dtype, dump);
  DumpPool(dtype, dump);
  DumpCellclip(dtype, CellclipTargets::kHard, "clip", dump);
  DumpCellclip(dtype, CellclipTargets::kCwcl, "cwcl", dump);
  const std::string path = ScratchDir() + "/" + name + ".pt";
  dump.Save(path);
  const testing::CommandResult r =
      RunCommand(absl::StrCat(PythonScript("cellclip_reference.py"), " ", path,
                              " ", dtype == torch::kDouble ? 1e-10 : 1e-5));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
}

TEST(CellclipReference, AgreesWithPytorchInFloat64) {
  ExpectReferenceAgrees(torch::kDouble, "float64");
}

TEST(CellclipReference, AgreesWithPytorchInFloat32) {
  ExpectReferenceAgrees(torch::kFloat, "float32");
}

}  // namespace
}  // namespace micon
