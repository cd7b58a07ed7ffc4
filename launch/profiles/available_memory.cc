#include "launch/profiles/available_memory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

// cgroup v1 writes "no limit" as the largest page-aligned int64 (or close to
// it, depending on the kernel's page size).
constexpr int64_t kV1Unlimited = int64_t{1} << 62;

std::optional<std::string> FirstLine(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<int64_t> IntegerFile(const fs::path& path) {
  const std::optional<std::string> line = FirstLine(path);
  int64_t value = 0;
  if (!line || !absl::SimpleAtoi(*line, &value) || value < 0) {
    return std::nullopt;  // also cgroup v2's "max": no limit
  }
  return value;
}

// The value of `key` in a "key value" file (memory.stat, /proc/meminfo).
std::optional<int64_t> KeyedValue(const fs::path& path,
                                  const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    int64_t value = 0;
    if (fields >> name >> value && name == key) return value;
  }
  return std::nullopt;
}

// Where a cgroup hierarchy is mounted, and which of its cgroups is the
// mount's root (not "/" inside a container that sees only its own).
struct CgroupMount {
  bool v2 = false;
  std::string root;
  fs::path mount_point;
};

// mountinfo escapes a space in a path as \040 (and tab, newline, backslash
// likewise, in octal).
std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      const std::string octal = text.substr(i + 1, 3);
      if (octal.find_first_not_of("01234567") == std::string::npos) {
        out.push_back(static_cast<char>(std::stoi(octal, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// The cgroup2 mount and the cgroup v1 mount with the memory controller, from
// /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS
// [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS".
std::vector<CgroupMount> CgroupMounts(const std::string& root) {
  std::vector<CgroupMount> mounts;
  std::ifstream in(root + "/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> f =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    const auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || f.end() - dash < 4) continue;
    const std::string& type = *(dash + 1);
    const std::vector<std::string> options = absl::StrSplit(*(dash + 3), ',');
    const bool memory_v1 =
        type == "cgroup" &&
        std::find(options.begin(), options.end(), "memory") != options.end();
    if (type != "cgroup2" && !memory_v1) continue;
    mounts.push_back(
        {type == "cgroup2", Unescape(f[3]), fs::path(root + Unescape(f[4]))});
  }
  return mounts;
}

// This process's cgroup in the v2 hierarchy ("0::PATH") or in the v1
// hierarchy that holds the memory controller ("N:...,memory,...:PATH").
std::optional<std::string> OwnCgroup(const std::string& root, bool v2) {
  std::ifstream in(root + "/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> f =
        absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    const std::vector<std::string> controllers = absl::StrSplit(f[1], ',');
    const bool match = v2 ? f[0] == "0" && f[1].empty()
                          : std::find(controllers.begin(), controllers.end(),
                                      "memory") != controllers.end();
    if (match) return f[2];
  }
  return std::nullopt;
}

// The least free memory of the cgroups that set a limit, from the mount's
// root down to this process's own cgroup.
std::optional<AvailableMemory> CgroupAvailable(const std::string& root,
                                               const CgroupMount& mount) {
  const std::optional<std::string> own = OwnCgroup(root, mount.v2);
  if (!own) return std::nullopt;
  std::string relative = *own;
  if (mount.root != "/") {
    // A container's mount shows its own cgroup as the root; a path outside
    // it cannot be reached, so the mount's root is the closest we can read.
    relative = absl::StartsWith(*own, mount.root)
                   ? own->substr(mount.root.size())
                   : std::string();
  }
  // The mount's root first, then each cgroup down to this process's own.
  std::vector<fs::path> dirs = {mount.mount_point};
  for (const fs::path& part : fs::path(relative).relative_path()) {
    if (!part.empty()) dirs.push_back(dirs.back() / part);
  }
  const char* limit_file = mount.v2 ? "memory.max" : "memory.limit_in_bytes";
  const char* usage_file =
      mount.v2 ? "memory.current" : "memory.usage_in_bytes";
  const char* inactive_key = mount.v2 ? "inactive_file" : "total_inactive_file";
  std::optional<AvailableMemory> least;
  for (const fs::path& dir : dirs) {
    const std::optional<int64_t> limit = IntegerFile(dir / limit_file);
    const std::optional<int64_t> usage = IntegerFile(dir / usage_file);
    if (!limit || !usage || *limit >= kV1Unlimited) continue;
    const int64_t inactive =
        KeyedValue(dir / "memory.stat", inactive_key).value_or(0);
    const int64_t working_set = std::max<int64_t>(*usage - inactive, 0);
    const int64_t free = std::max<int64_t>(*limit - working_set, 0);
    if (!least || free < least->bytes) {
      least = AvailableMemory{
          free, absl::StrFormat("memory cgroup %s: limit %s, %s in use",
                                dir.string().substr(root.size()),
                                Gigabytes(*limit), Gigabytes(working_set))};
    }
  }
  return least;
}

}  // namespace

std::optional<AvailableMemory> ReadAvailableMemory(const std::string& root) {
  std::optional<AvailableMemory> least;
  const std::optional<int64_t> kib =
      KeyedValue(root + "/proc/meminfo", "MemAvailable:");
  if (kib && *kib > 0) {
    least = AvailableMemory{*kib * 1024, "MemAvailable in /proc/meminfo"};
  }
  for (const CgroupMount& mount : CgroupMounts(root)) {
    const std::optional<AvailableMemory> cgroup = CgroupAvailable(root, mount);
    if (cgroup && (!least || cgroup->bytes < least->bytes)) least = cgroup;
  }
  return least;
}

std::string Gigabytes(int64_t bytes) {
  return absl::StrFormat("%.2f GB", static_cast<double>(bytes) / 1e9);
}

}  // namespace micon
