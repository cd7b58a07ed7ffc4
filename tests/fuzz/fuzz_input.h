// fuzz_input.h: the fuzz targets' common ground (tests/fuzz/README.md).
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     const std::string path = micon::fuzz::InputFile(data, size, ".csv");
//     (void)micon::ReadDelimitedTable(path);  // any Status is fine; a crash,
//     return 0;                               // hang or leak is not
//   }
//
// Readers of files get the input as a file (one per process, rewritten for
// every input) with the suffix that selects their format.
#ifndef MICON_TESTS_FUZZ_FUZZ_INPUT_H_
#define MICON_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace micon::fuzz {

// Writes the input to $TMPDIR/micon-fuzz-<pid>/input<suffix>; returns the path.
std::string InputFile(const uint8_t* data, size_t size,
                      const std::string& suffix);

// The input as text, and its first byte taken off as a selector (0 when empty).
std::string Text(const uint8_t* data, size_t size);
uint8_t TakeSelector(const uint8_t** data, size_t* size);

}  // namespace micon::fuzz

#endif  // MICON_TESTS_FUZZ_FUZZ_INPUT_H_
