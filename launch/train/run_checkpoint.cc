#include "launch/train/run_checkpoint.h"

#include <torch/torch.h>

#include <cstring>

#include "absl/strings/str_cat.h"
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
  MICON_RETURN_IF_ERROR(comm.AllGatherV(local, all, counts, {})->Wait());
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
                               const RankState& rank_state,
                               TrainingState state) {
  // Every collective so far has completed (on NCCL, Wait() only orders the
  // GPU): parameters read after a collective that failed are not saved.
  MICON_RETURN_IF_ERROR(comm.Synchronize());
  // Each rank sends its sampler state (seed, step) followed by its RNG state.
  const SamplerState& sampler = rank_state.sampler;
  std::string mine(sizeof(sampler.seed) + sizeof(sampler.step), '\0');
  std::memcpy(mine.data(), &sampler.seed, sizeof(sampler.seed));
  std::memcpy(mine.data() + sizeof(sampler.seed), &sampler.step,
              sizeof(sampler.step));
  mine += rank_state.rng;
  MICON_ASSIGN_OR_RETURN(std::vector<std::string> all, GatherBytes(comm, mine));
  absl::Status written = absl::OkStatus();
  if (comm.rank() == 0) {
    state.world_size = comm.world_size();
    state.ranks.clear();
    for (const std::string& bytes : all) {
      RankState r;
      const size_t prefix = sizeof(r.sampler.seed) + sizeof(r.sampler.step);
      std::memcpy(&r.sampler.seed, bytes.data(), sizeof(r.sampler.seed));
      std::memcpy(&r.sampler.step, bytes.data() + sizeof(r.sampler.seed),
                  sizeof(r.sampler.step));
      r.rng = bytes.substr(prefix);
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
  MICON_RETURN_IF_ERROR(comm.Broadcast(code, {})->Wait());
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
  const bool latest = resume == "latest";
  std::vector<std::string> warnings;
  absl::StatusOr<CheckpointContents> contents =
      latest ? ReadLatestCheckpoint(dir, &warnings, CheckResumePoint)
             : ReadCheckpoint(resume);
  if (log.is_root()) {
    for (const std::string& w : warnings) log.Warning(w);
    for (const std::string& left : ListInterruptedWrites(dir)) {
      log.Warning(left +
                  ": left by an interrupted checkpoint write; ignored (the "
                  "next checkpoint of that step replaces it)");
    }
  }
  // For "latest", NotFound means the folder has no checkpoint at all (damaged
  // ones give DataLoss): a first start.
  if (latest && absl::IsNotFound(contents.status())) {
    log.Info("no checkpoint in " + dir + " yet: starting at step 0");
    return std::nullopt;
  }
  if (!contents.ok()) return contents.status();
  return DecodeResumePoint(*std::move(contents));
}

namespace {

absl::StatusOr<TrainingState> DecodeState(const CheckpointContents& contents) {
  MICON_ASSIGN_OR_RETURN(TrainingState state,
                         DecodeTrainingState(contents.metadata, contents.path));
  if (state.step != contents.step) {
    return absl::DataLossError(
        absl::StrCat(contents.path, ": file step ", contents.step,
                     " and training-state step ", state.step, " disagree"));
  }
  return state;
}

}  // namespace

absl::StatusOr<ResumePoint> DecodeResumePoint(CheckpointContents contents) {
  MICON_ASSIGN_OR_RETURN(TrainingState state, DecodeState(contents));
  return ResumePoint{std::move(contents), std::move(state)};
}

absl::Status CheckResumePoint(const CheckpointContents& contents) {
  return DecodeState(contents).status();
}

}  // namespace micon
