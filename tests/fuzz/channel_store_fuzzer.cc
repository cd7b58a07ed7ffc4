// Per-channel embedding store plates (data/channel_embedding_store.h, over
// the HDF5 C library): whether a file holds vectors, then the whole plate,
// metadata and vectors, as `micon train` and `micon embed` read them.
#include "data/channel_embedding_store.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = micon::fuzz::InputFile(data, size, ".h5");
  if (!micon::HasChannelEmbeddings(path)) return 0;
  (void)micon::ReadChannelEmbeddingPlate(path);
  return 0;
}
