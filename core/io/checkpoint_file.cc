#include "core/io/checkpoint_file.h"

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/fault_injection.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"

namespace micon {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[] = "micon-checkpoint 1";

uint32_t Crc32(absl::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()),
            static_cast<uInt>(bytes.size())));
}

// Length-prefixed fields: robust to arbitrary bytes inside each.
void PutField(std::string* out, const std::string& field) {
  absl::StrAppend(out, field.size(), "\n", field);
}

bool GetField(absl::string_view in, size_t* pos, std::string* field) {
  const size_t newline = in.find('\n', *pos);
  size_t length = 0;
  if (newline == absl::string_view::npos ||
      !absl::SimpleAtoi(in.substr(*pos, newline - *pos), &length) ||
      length > in.size() - newline - 1) {
    return false;
  }
  *field = std::string(in.substr(newline + 1, length));
  *pos = newline + 1 + length;
  return true;
}

}  // namespace

std::string SaveModuleState(const torch::nn::Module& module) {
  torch::serialize::OutputArchive archive;
  module.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

namespace {

// LibTorch's Module::load rebinds each tensor to what it reads, whatever its
// shape, so a checkpoint of another configuration would silently reshape the
// model. Check first.
void CheckFits(const torch::nn::Module& module,
               torch::serialize::InputArchive& archive,
               const std::string& prefix, std::vector<std::string>* problems) {
  auto check = [&](const std::string& key, const at::Tensor& target,
                   bool buffer) {
    at::Tensor stored;
    if (!archive.try_read(key, stored, buffer)) {
      problems->push_back(prefix + key + " missing");
    } else if (stored.sizes() != target.sizes() ||
               stored.dtype() != target.dtype()) {
      problems->push_back(absl::StrCat(
          prefix, key, " is ", c10::str(stored.sizes()), " ",
          std::string(stored.dtype().name()), ", the model has ",
          c10::str(target.sizes()), " ", std::string(target.dtype().name())));
    }
  };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    check(p.key(), p.value(), false);
  }
  for (const auto& b : module.named_buffers(/*recurse=*/false))
    check(b.key(), b.value(), true);
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive sub;
    if (!archive.try_read(child.key(), sub)) {
      problems->push_back(prefix + child.key() + " missing");
      continue;
    }
    CheckFits(*child.value(), sub, prefix + child.key() + ".", problems);
  }
}

// Where a module's state lives: its first parameter's or buffer's device.
c10::Device DeviceOf(const torch::nn::Module& module) {
  for (const at::Tensor& p : module.parameters()) return p.device();
  for (const at::Tensor& b : module.buffers()) return b.device();
  return c10::Device(c10::kCPU);
}

c10::Device DeviceOf(const torch::optim::Optimizer& optimizer) {
  for (const auto& group : optimizer.param_groups()) {
    for (const at::Tensor& p : group.params()) return p.device();
  }
  return c10::Device(c10::kCPU);
}

}  // namespace

absl::Status LoadModuleState(const std::string& bytes,
                             torch::nn::Module& module) {
  try {
    torch::serialize::InputArchive archive;
    std::istringstream in(bytes);
    // Map location: the tensors go where the module is, whatever device
    // wrote them (a GPU run's checkpoint loads on a CPU-only machine).
    archive.load_from(in, DeviceOf(module));
    std::vector<std::string> problems;
    CheckFits(module, archive, "", &problems);
    if (!problems.empty()) {
      const size_t shown = std::min<size_t>(problems.size(), 5);
      return absl::InvalidArgumentError(absl::StrCat(
          "model state does not fit this model (", problems.size(),
          " problem(s)): ",
          absl::StrJoin(problems.begin(), problems.begin() + shown, "; ")));
    }
    module.load(archive);
  } catch (const c10::Error& e) {
    return absl::DataLossError(absl::StrCat(
        "model state does not fit this model: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

std::string SaveOptimizerState(const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

absl::Status LoadOptimizerState(const std::string& bytes,
                                torch::optim::Optimizer& optimizer) {
  try {
    torch::serialize::InputArchive archive;
    std::istringstream in(bytes);
    archive.load_from(in, DeviceOf(optimizer));
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    return absl::DataLossError(
        absl::StrCat("optimiser state does not fit this optimiser: ",
                     e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

namespace {

// The files of `dir` named step-*<suffix>, sorted: zero-padded steps sort in
// step order.
std::vector<std::string> ListStepFiles(const std::string& dir,
                                       const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (absl::StartsWith(name, "step-") && absl::EndsWith(name, suffix)) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> ListCheckpoints(const std::string& dir) {
  return ListStepFiles(dir, ".ckpt");
}

std::vector<std::string> ListInterruptedWrites(const std::string& dir) {
  return ListStepFiles(dir, PartialPath(".ckpt"));
}

absl::Status WriteCheckpoint(const std::string& dir,
                             const CheckpointContents& c, int keep_last) {
  if (keep_last < 1)
    return absl::InvalidArgumentError("keep_last must be >= 1");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(dir + ": " + ec.message());
  const std::string name = absl::StrFormat("step-%08d.ckpt", c.step);
  const std::string path = (fs::path(dir) / name).string();
  const std::string bytes = FrameCheckpoint(EncodeCheckpointPayload(c));
  if (FaultRequested(FaultKind::kCheckpointWritePause, c.step, /*rank=*/0)) {
    // Only rank 0 writes checkpoints: what a kill mid-write leaves behind.
    std::ofstream(PartialPath(path), std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    HangForFault("paused half-way through writing " + PartialPath(path));
  }
  MICON_RETURN_IF_ERROR(WriteFileAtomically(path, bytes));
  std::vector<std::string> all = ListCheckpoints(dir);
  for (size_t i = 0; i + keep_last < all.size(); ++i) fs::remove(all[i], ec);
  return absl::OkStatus();
}

std::string EncodeCheckpointPayload(const CheckpointContents& c) {
  std::string payload;
  PutField(&payload, std::to_string(c.step));
  PutField(&payload, c.model);
  PutField(&payload, c.optimizer);
  PutField(&payload, c.metadata);
  return payload;
}

std::string FrameCheckpoint(const std::string& payload) {
  return absl::StrCat(kMagic, "\n", payload.size(), " ", Crc32(payload), "\n",
                      payload);
}

absl::StatusOr<CheckpointContents> ParseCheckpoint(const std::string& bytes,
                                                   const std::string& path) {
  const size_t magic_end = bytes.find('\n');
  if (magic_end == std::string::npos ||
      absl::string_view(bytes).substr(0, magic_end) != kMagic) {
    return absl::DataLossError(path + ": not a micon checkpoint");
  }
  const size_t sizes_end = bytes.find('\n', magic_end + 1);
  const std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(bytes).substr(
                         magic_end + 1, sizes_end == std::string::npos
                                            ? absl::string_view::npos
                                            : sizes_end - magic_end - 1),
                     ' ');
  size_t size = 0;
  uint32_t crc = 0;
  if (sizes_end == std::string::npos || parts.size() != 2 ||
      !absl::SimpleAtoi(parts[0], &size) || !absl::SimpleAtoi(parts[1], &crc)) {
    return absl::DataLossError(path + ": damaged checkpoint header");
  }
  // The header's size is checked against the bytes there are before anything
  // is allocated for it.
  const size_t have = bytes.size() - sizes_end - 1;
  if (have < size) {
    return absl::DataLossError(absl::StrCat(path, ": truncated checkpoint (",
                                            have, " of ", size, " bytes)"));
  }
  const absl::string_view payload =
      absl::string_view(bytes).substr(sizes_end + 1, size);
  if (Crc32(payload) != crc)
    return absl::DataLossError(path + ": checksum mismatch (damaged)");
  CheckpointContents c;
  c.path = path;
  std::string step;
  size_t pos = 0;
  if (!GetField(payload, &pos, &step) || !absl::SimpleAtoi(step, &c.step) ||
      !GetField(payload, &pos, &c.model) ||
      !GetField(payload, &pos, &c.optimizer) ||
      !GetField(payload, &pos, &c.metadata)) {
    return absl::DataLossError(path + ": damaged checkpoint fields");
  }
  return c;
}

absl::StatusOr<CheckpointContents> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path + ": cannot open checkpoint");
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  return ParseCheckpoint(bytes, path);
}

absl::StatusOr<CheckpointContents> ReadLatestCheckpoint(
    const std::string& dir, std::vector<std::string>* warnings,
    const std::function<absl::Status(const CheckpointContents&)>& accept) {
  std::vector<std::string> all = ListCheckpoints(dir);
  if (all.empty())
    return absl::NotFoundError(dir + ": no checkpoints (step-*.ckpt)");
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    absl::StatusOr<CheckpointContents> c = ReadCheckpoint(*it);
    absl::Status usable = c.status();
    if (usable.ok() && accept) usable = accept(*c);
    if (usable.ok()) return c;
    warnings->push_back(
        absl::StrCat(usable.message(), "; trying the previous checkpoint"));
  }
  return absl::DataLossError(dir + ": every checkpoint is damaged");
}

}  // namespace micon
