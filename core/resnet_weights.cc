#include "core/resnet_weights.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace micon {
namespace {

bool IsSkippable(const std::string& key) {
  return absl::StartsWith(key, "fc.") || absl::EndsWith(key, "running_mean") ||
         absl::EndsWith(key, "running_var") ||
         absl::EndsWith(key, "num_batches_tracked");
}

std::string ShapeText(const torch::Tensor& t) {
  return absl::StrCat("[", absl::StrJoin(t.sizes(), ","), "]");
}

}  // namespace

absl::Status LoadTorchvisionWeights(torch::nn::Module& trunk,
                                    const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(path + ": no such weights file");
  }
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::map<std::string, torch::Tensor> stored;
  try {
    const c10::IValue value = torch::pickle_load(bytes);
    if (!value.isGenericDict()) {
      return absl::InvalidArgumentError(
          path +
          ": not a {name: tensor} dict; export it with "
          "deploy/export_torchvision_weights.py");
    }
    for (const auto& item : value.toGenericDict()) {
      stored[item.key().toStringRef()] = item.value().toTensor();
    }
  } catch (const c10::Error& e) {
    return absl::DataLossError(absl::StrCat(
        path, ": cannot read weights (", e.what_without_backtrace(),
        "); export them with deploy/export_torchvision_weights.py"));
  }

  torch::NoGradGuard no_grad;
  std::vector<std::string> missing, mismatched;
  std::map<std::string, torch::Tensor> targets;
  for (const auto& p : trunk.named_parameters()) targets[p.key()] = p.value();
  for (const auto& b : trunk.named_buffers()) targets[b.key()] = b.value();
  for (auto& [name, target] : targets) {
    auto it = stored.find(name);
    if (it == stored.end()) {
      missing.push_back(name);
      continue;
    }
    torch::Tensor source = it->second;
    stored.erase(it);
    if (name == "conv1.weight" && source.dim() == 4 && source.size(1) == 3 &&
        target.size(1) != 3) {
      const int64_t c = target.size(1);
      source =
          source.mean(1, /*keepdim=*/true).repeat({1, c, 1, 1}) * (3.0 / c);
    }
    if (source.sizes() != target.sizes()) {
      mismatched.push_back(absl::StrCat(name, " ", ShapeText(source), " vs ",
                                        ShapeText(target)));
      continue;
    }
    target.copy_(source.to(target.dtype()));
  }
  std::vector<std::string> unused;
  for (const auto& [name, t] : stored) {
    if (!IsSkippable(name)) unused.push_back(name);
  }
  if (missing.empty() && mismatched.empty() && unused.empty())
    return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": weights do not fit the model; missing: [",
                   absl::StrJoin(missing, ", "), "] shape mismatch: [",
                   absl::StrJoin(mismatched, ", "), "] unused: [",
                   absl::StrJoin(unused, ", "), "]"));
}

}  // namespace micon
