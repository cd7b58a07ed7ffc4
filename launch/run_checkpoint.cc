#include "launch/run_checkpoint.h"

#include <torch/torch.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/rng_state.h"
#include "core/status_macros.h"

namespace micon {
namespace {

// Every rank's bytes, in rank order.
absl::StatusOr<std::vector<std::string>> GatherBytes(Communicator& comm,
                                                     const std::string& mine) {
  std::vector<int64_t> counts;
  MICON_RETURN_IF_ERROR(
      GatherRowCounts(comm, static_cast<int64_t>(mine.size()), &counts));
  torch::Tensor local =
      torch::empty({static_cast<int64_t>(mine.size())}, torch::kByte);
  std::memcpy(local.data_ptr<uint8_t>(), mine.data(), mine.size());
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  torch::Tensor all = torch::empty({total}, torch::kByte);
  MICON_RETURN_IF_ERROR(WaitFor(comm.AllGatherV(local, all, counts, {}), comm));
  std::vector<std::string> out;
  int64_t offset = 0;
  for (int64_t c : counts) {
    out.emplace_back(
        reinterpret_cast<const char*>(all.data_ptr<uint8_t>()) + offset,
        static_cast<size_t>(c));
    offset += c;
  }
  return out;
}

}  // namespace

absl::Status SaveRunCheckpoint(Communicator& comm, const std::string& dir,
                               int keep_last, const torch::nn::Module& model,
                               const torch::optim::Optimizer& optimizer,
                               const SamplerState& sampler,
                               TrainingState state) {
  const std::string mine =
      absl::StrCat(sampler.seed, " ", sampler.step, " ", CaptureRngState());
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> all, GatherBytes(comm, mine));
  absl::Status written = absl::OkStatus();
  if (comm.rank() == 0) {
    state.world_size = comm.world_size();
    state.ranks.clear();
    for (const std::string& bytes : all) {
      RankState r;
      const size_t a = bytes.find(' '), b = bytes.find(' ', a + 1);
      r.sampler.seed = std::stoull(bytes.substr(0, a));
      r.sampler.step = std::stoll(bytes.substr(a + 1, b - a - 1));
      r.rng = bytes.substr(b + 1);
      state.ranks.push_back(std::move(r));
    }
    CheckpointContents contents;
    contents.step = state.step;
    contents.model = SaveModuleState(model);
    contents.optimizer = SaveOptimizerState(optimizer);
    contents.metadata = EncodeTrainingState(state);
    written = WriteCheckpoint(dir, contents, keep_last);
  }
  // Rank 0 tells everyone whether the write worked.
  torch::Tensor code =
      torch::full({1}, static_cast<int64_t>(written.code()), torch::kLong);
  MICON_RETURN_IF_ERROR(WaitFor(comm.Broadcast(code, {}), comm));
  if (comm.rank() == 0) return written;
  if (code.item<int64_t>() != 0) {
    return absl::AbortedError(
        absl::StrCat("rank 0 could not write the checkpoint of step ",
                     state.step, " in ", dir));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ResumePoint>> FindResumeCheckpoint(
    const std::string& dir, const std::string& resume, const RunLog& log) {
  absl::StatusOr<CheckpointContents> contents =
      absl::NotFoundError("no checkpoint");
  if (resume.empty()) {
    const std::vector<std::string> existing = ListCheckpoints(dir);
    if (!existing.empty()) {
      return absl::AlreadyExistsError(absl::StrCat(
          dir, " already holds ", existing.size(), " checkpoint(s), newest ",
          existing.back(),
          "; pass --resume latest to continue that run, or choose another "
          "run.dir"));
    }
    return std::nullopt;
  }
  if (resume == "latest") {
    std::vector<std::string> warnings;
    contents = ReadLatestCheckpoint(dir, &warnings);
    if (log.is_root()) {
      for (const std::string& w : warnings) log.Warning(w);
    }
    if (!contents.ok() && absl::IsNotFound(contents.status()) &&
        ListCheckpoints(dir).empty()) {
      log.Info("no checkpoint in " + dir + " yet: starting at step 0");
      return std::nullopt;
    }
  } else {
    contents = ReadCheckpoint(resume);
  }
  if (!contents.ok()) return contents.status();
  MICON_ASSIGN_OR_RETURN(
      TrainingState state,
      DecodeTrainingState(contents->metadata, contents->path));
  if (state.step != contents->step) {
    return absl::DataLossError(
        absl::StrCat(contents->path, ": file step ", contents->step,
                     " and training-state step ", state.step, " disagree"));
  }
  return ResumePoint{*std::move(contents), std::move(state)};
}

}  // namespace micon
