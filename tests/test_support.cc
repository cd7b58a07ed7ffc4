#include "tests/test_support.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace micon::testing {
namespace fs = std::filesystem;

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string ScratchDir() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name =
      info ? std::string(info->test_suite_name()) + "." + info->name()
           : "global";
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const fs::path dir = fs::path(MICON_TEST_SCRATCH_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string SharedData(const std::string& relative) {
  return (fs::path(MICON_SHARED_DATA_DIR) / relative).string();
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe.get())) > 0)
    result.output.append(buffer, n);
  const int status = pclose(pipe.release());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string PythonScript(const std::string& script) {
  return std::string(MICON_TEST_PYTHON) + " " + MICON_TEST_SCRIPTS_DIR + "/" +
         script;
}

std::string DeployScript(const std::string& script) {
  return std::string(MICON_TEST_PYTHON) + " " + MICON_DEPLOY_DIR + "/" + script;
}

std::string MiconBinary() { return MICON_BINARY; }

std::string SourceDir() { return MICON_SOURCE_DIR; }

std::string ScratchRoot() {
  // Made here, not by whichever test calls ScratchDir() first: a fixture that
  // writes straight under the root must not depend on ctest's order (a fresh
  // build's first such test aborted when it ran before any other).
  std::error_code ignored;
  fs::create_directories(MICON_TEST_SCRATCH_DIR, ignored);
  return MICON_TEST_SCRATCH_DIR;
}

void AbortFixture(const std::string& fixture, const absl::Status& status) {
  std::fprintf(stderr, "test fixture %s failed: %s\n", fixture.c_str(),
               status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}

std::string TestPython() { return MICON_TEST_PYTHON; }

}  // namespace micon::testing
