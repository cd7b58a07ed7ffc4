// test_support.h: helpers shared by micon's tests: Status assertions, scratch
// folders, the shared real-data folder, and running reference scripts (Debian's
// python3 with h5py/RDKit).
#ifndef MICON_TESTS_TEST_SUPPORT_H_
#define MICON_TESTS_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MICON_ASSERT_OK(expr)                          \
  do {                                                 \
    const ::absl::Status micon_s_ = (expr);            \
    ASSERT_TRUE(micon_s_.ok()) << micon_s_.ToString(); \
  } while (false)

#define MICON_ASSERT_OK_AND_ASSIGN(lhs, expr)                         \
  auto MICON_TEST_CONCAT_(micon_or_, __LINE__) = (expr);              \
  ASSERT_TRUE(MICON_TEST_CONCAT_(micon_or_, __LINE__).ok())           \
      << MICON_TEST_CONCAT_(micon_or_, __LINE__).status().ToString(); \
  lhs = std::move(MICON_TEST_CONCAT_(micon_or_, __LINE__)).value()
#define MICON_TEST_CONCAT_INNER_(a, b) a##b
#define MICON_TEST_CONCAT_(a, b) MICON_TEST_CONCAT_INNER_(a, b)

namespace micon::testing {

// A fresh, empty folder for the running test (removed at the start of the next
// run).
std::string ScratchDir();

// The bytes of a file; empty when it cannot be read (compare with a
// non-empty expectation).
std::string FileBytes(const std::string& path);

// ../shared/data: real public Cell Painting data (see its README for
// provenance).
std::string SharedData(const std::string& relative);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
CommandResult RunCommand(const std::string& command);

// "python3 tests/python/<script>" with the Python that has h5py, pandas, RDKit
// and Pillow.
std::string PythonScript(const std::string& script);

// "python3 deploy/<script>": the scripts micon ships to users.
std::string DeployScript(const std::string& script);

// The built `micon` executable.
std::string MiconBinary();

// The checkout (for docs/ and deploy/ files a test reads).
std::string SourceDir();

// The build's scratch root (build/tests/scratch), made if missing;
// ScratchDir() makes a folder per test under it.
std::string ScratchRoot();

// Ends the process, saying which shared fixture failed and why: a fixture
// built once per process has no test to fail, and a bare abort prints nothing.
[[noreturn]] void AbortFixture(const std::string& fixture,
                               const absl::Status& status);

// The Python with h5py, pandas, RDKit and Pillow (Debian's /usr/bin/python3).
std::string TestPython();

}  // namespace micon::testing

#endif  // MICON_TESTS_TEST_SUPPORT_H_
