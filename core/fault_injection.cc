#include "core/fault_injection.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace micon {
namespace {

absl::Status BadEntry(const std::string& entry, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("MICON_FAULT entry '", entry, "': ", why,
                   " (expected KIND@STEP[:RANK], KIND one of ",
                   EnumChoices(kFaultKindNames), ")"));
}

const std::vector<Fault>& ProcessFaults() {
  // Read once: the environment does not change under a running process.
  static const std::vector<Fault>* faults = [] {
    const char* spec = std::getenv("MICON_FAULT");
    absl::StatusOr<std::vector<Fault>> parsed =
        ParseFaults(spec == nullptr ? "" : spec);
    if (!parsed.ok()) {
      throw std::invalid_argument(std::string(parsed.status().message()));
    }
    return new std::vector<Fault>(*std::move(parsed));
  }();
  return *faults;
}

}  // namespace

absl::StatusOr<std::vector<Fault>> ParseFaults(const std::string& spec) {
  std::vector<Fault> out;
  for (absl::string_view piece : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    const std::string entry(piece);
    const std::vector<std::string> kind_at = absl::StrSplit(entry, '@');
    if (kind_at.size() != 2) return BadEntry(entry, "no single '@'");
    const std::optional<FaultKind> kind =
        ParseEnum(kFaultKindNames, kind_at[0]);
    if (!kind) return BadEntry(entry, "unknown kind '" + kind_at[0] + "'");
    const std::vector<std::string> step_rank = absl::StrSplit(kind_at[1], ':');
    Fault fault{*kind};
    if (step_rank.size() > 2 || !absl::SimpleAtoi(step_rank[0], &fault.step) ||
        fault.step < 1 ||
        (step_rank.size() == 2 &&
         (!absl::SimpleAtoi(step_rank[1], &fault.rank) || fault.rank < 0))) {
      return BadEntry(entry, "STEP must be >= 1 and RANK >= 0");
    }
    out.push_back(fault);
  }
  return out;
}

bool FaultRequested(FaultKind kind, int64_t step, int rank) {
  for (const Fault& f : ProcessFaults()) {
    if (f.kind == kind && f.step == step && f.rank == rank) return true;
  }
  return false;
}

void HangForFault(const std::string& where) {
  std::fprintf(stderr, "micon: MICON_FAULT: %s; hanging until killed\n",
               where.c_str());
  std::fflush(stderr);
  for (;;) ::pause();
}

}  // namespace micon
