// Checkpoint decoding past the CRC: the input is a checkpoint's payload, framed
// with a correct header, size and CRC-32 (core/io/checkpoint_file.h), so the
// field decoder and the training-state decoder (launch/train/run_checkpoint.h)
// are what is fuzzed, not the checksum.
#include "core/io/checkpoint_file.h"
#include "launch/train/run_checkpoint.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<micon::CheckpointContents> contents = micon::ParseCheckpoint(
      micon::FrameCheckpoint(micon::fuzz::Text(data, size)), "fuzz.ckpt");
  if (contents.ok()) (void)micon::DecodeResumePoint(*std::move(contents));
  return 0;
}
