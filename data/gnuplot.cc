#include "data/gnuplot.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_replace.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"

namespace micon {
namespace {

std::string ShellQuoted(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "'\\''"}}) + "'";
}

}  // namespace

std::string GnuplotQuoted(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "''"}}) + "'";
}

absl::Status RunGnuplot(const std::string& script, const std::string& png_path,
                        const std::string& data_path) {
  const std::string script_path = data_path + ".gp";
  MICON_RETURN_IF_ERROR(WriteFileAtomically(script_path, script));
  const std::string command = "gnuplot " + ShellQuoted(script_path) + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot start gnuplot");
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe)) output += buffer;
  const int status = pclose(pipe);
  std::error_code ignored;
  std::filesystem::remove(script_path, ignored);
  if (status != 0) {
    std::filesystem::remove(PartialPath(png_path), ignored);
    const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
    return absl::FailedPreconditionError(
        missing ? "gnuplot is not installed (apt-get install gnuplot-nox); "
                  "the plotted table is in " +
                      data_path
                : "gnuplot failed: " + output);
  }
  return CommitFile(PartialPath(png_path), png_path);
}

}  // namespace micon
