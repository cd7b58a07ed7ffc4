#include "distributed/nccl/nccl_init.h"

#include <ATen/ATen.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "distributed/backoff.h"

namespace micon {
namespace {

// Rank 0's id reaches every rank over the CPU communicator, with a flag that
// says whether rank 0 could make one.
absl::StatusOr<NcclUniqueId> ShareUniqueId(NcclRuntime& runtime,
                                           Communicator& cpu) {
  const int rank = cpu.rank();
  NcclUniqueId id;
  absl::Status made = absl::OkStatus();
  if (rank == 0) {
    absl::StatusOr<NcclUniqueId> mine = runtime.MakeUniqueId();
    if (mine.ok()) {
      id = *mine;
    } else {
      made = mine.status();
    }
  }
  const auto size = static_cast<int64_t>(id.bytes.size());
  at::Tensor bytes = at::zeros({size + 1}, at::kByte);
  if (rank == 0) {
    std::memcpy(bytes.data_ptr(), id.bytes.data(), id.bytes.size());
    bytes[size] = made.ok() ? 0 : 1;
  }
  if (absl::Status s = cpu.Broadcast(bytes, {0})->Wait(); !s.ok()) return s;
  if (bytes[size].item<uint8_t>() != 0) {
    return rank == 0
               ? made
               : absl::AbortedError("rank 0 could not make the NCCL unique id");
  }
  std::memcpy(id.bytes.data(), bytes.data_ptr(), id.bytes.size());
  return id;
}

}  // namespace

absl::Status JoinNccl(NcclRuntime& runtime, Communicator& cpu,
                      std::chrono::milliseconds timeout) {
  const int rank = cpu.rank();
  absl::StatusOr<NcclUniqueId> id = ShareUniqueId(runtime, cpu);
  if (!id.ok()) return id.status();
  if (absl::Status s = runtime.StartInit(*id, cpu.world_size(), rank);
      !s.ok()) {
    return absl::Status(
        s.code(),
        absl::StrCat("rank ", rank, ": NCCL initialisation: ", s.message()));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Initialisation takes seconds: sleeps soon, and longer ones.
  Backoff backoff(std::chrono::microseconds(100), std::chrono::milliseconds(5));
  while (true) {
    const absl::Status state = runtime.CommState();
    if (state.ok()) return absl::OkStatus();
    if (!absl::IsUnavailable(state)) {
      runtime.Abort();
      return absl::Status(
          state.code(),
          absl::StrCat("rank ", rank,
                       ": NCCL initialisation failed: ", state.message()));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string detail = runtime.StallDetail();
      runtime.Abort();
      return absl::DeadlineExceededError(absl::StrCat(
          "rank ", rank, ": NCCL initialisation did not complete within ",
          timeout.count() / 1000.0, " s", detail.empty() ? "" : "; ", detail));
    }
    backoff.Pause();
  }
}

}  // namespace micon
