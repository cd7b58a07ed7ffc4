#include "distributed/mpi/roll_call.h"

#include <map>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace micon {
namespace {

constexpr int kReportTag = 1, kAckTag = 2;
// After rank 0's acknowledgement, how long a reporter waits for rank 0's
// abort to end it (so that rank 0's diagnosis is what the job prints).
constexpr auto kAfterAck = std::chrono::seconds(5);

std::string Ranks(const std::vector<int>& ranks) {
  constexpr size_t kShown = 16;
  if (ranks.size() <= kShown) return absl::StrJoin(ranks, ", ");
  return absl::StrCat(
      absl::StrJoin(ranks.begin(), ranks.begin() + kShown, ", "), ", ... (",
      ranks.size(), " in all)");
}

double Seconds(std::chrono::milliseconds d) { return d.count() / 1000.0; }

}  // namespace

RollCall::RollCall(MPI_Comm comm, int rank, int world)
    : comm_(comm), rank_(rank), world_(world) {}

RollCall::~RollCall() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

std::string RollCall::Take(uint64_t seq, std::chrono::milliseconds grace) {
  if (world_ == 1) return "";
  return rank_ == 0 ? Listen(seq, grace) : Report(seq, grace);
}

std::string RollCall::Listen(uint64_t seq, std::chrono::milliseconds grace) {
  std::map<int, uint64_t> heard = {{0, seq}};
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (static_cast<int>(heard.size()) < world_ &&
         std::chrono::steady_clock::now() < deadline) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kReportTag, comm_, &flag, &status);
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    uint64_t theirs = 0;
    MPI_Recv(&theirs, 1, MPI_UINT64_T, status.MPI_SOURCE, kReportTag, comm_,
             MPI_STATUS_IGNORE);
    heard[status.MPI_SOURCE] = theirs;
  }
  std::vector<int> same, silent;
  std::vector<std::string> elsewhere;
  for (int r = 0; r < world_; ++r) {
    const auto it = heard.find(r);
    if (it == heard.end()) {
      silent.push_back(r);
    } else if (it->second == seq) {
      if (r != 0) same.push_back(r);
    } else {
      elsewhere.push_back(absl::StrCat(r, " (#", it->second, ")"));
    }
    // The reporters wait for this before they give up on rank 0.
    if (r != 0 && it != heard.end()) {
      MPI_Send(&seq, 1, MPI_UINT64_T, r, kAckTag, comm_);
    }
  }
  std::string out = absl::StrFormat("roll call over %.1f s: ", Seconds(grace));
  if (silent.empty()) {
    absl::StrAppend(&out, "every rank answered");
  } else {
    absl::StrAppend(&out, "no word from rank(s) ", Ranks(silent),
                    " (stuck outside the collectives, e.g. in the loader or a "
                    "computation, or dead)");
  }
  if (!same.empty()) {
    absl::StrAppend(&out, "; also waiting in #", seq, ": rank(s) ",
                    Ranks(same));
  }
  if (!elsewhere.empty()) {
    absl::StrAppend(&out, "; waiting in another collective: rank(s) ",
                    absl::StrJoin(elsewhere, ", "));
  }
  return out;
}

std::string RollCall::Report(uint64_t seq, std::chrono::milliseconds grace) {
  report_ = seq;
  MPI_Request request;
  MPI_Isend(&report_, 1, MPI_UINT64_T, 0, kReportTag, comm_, &request);
  const auto wait = grace + std::chrono::seconds(5);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool acknowledged = false;
  while (!acknowledged && std::chrono::steady_clock::now() < deadline) {
    int flag = 0;
    MPI_Iprobe(0, kAckTag, comm_, &flag, MPI_STATUS_IGNORE);
    if (flag) {
      uint64_t ack = 0;
      MPI_Recv(&ack, 1, MPI_UINT64_T, 0, kAckTag, comm_, MPI_STATUS_IGNORE);
      acknowledged = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // The 8-byte send has completed or will when rank 0 receives it; report_
  // lives as long as this object.
  MPI_Request_free(&request);
  if (acknowledged) {
    std::this_thread::sleep_for(kAfterAck);  // rank 0's abort ends us here
    return "rank 0 took the roll call and names the missing ranks";
  }
  return absl::StrFormat(
      "rank 0 did not answer the roll call within %.1f s: rank 0 may be the "
      "stuck or dead rank",
      Seconds(std::chrono::duration_cast<std::chrono::milliseconds>(wait)));
}

}  // namespace micon
