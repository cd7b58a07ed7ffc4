// What writing a table of well profiles costs (micon embed's last step), and
// reading it back (micon evaluate's first): wall time and the process's peak
// memory above what it held before, for profiles.csv (WriteProfileFrame,
// ReadProfileFrame) and profiles.h5 (WriteProfileFrame by its .h5 name, the
// same reader).
//
//   profile_write_bench ROWS FEATURES OUT_DIR
//
// The frame: ROWS wells of FEATURES float64 features and micon embed's eight
// metadata columns, random values. Peak memory is the kernel's high-water
// mark of resident memory (VmHWM), reset before each write (clear_refs 5),
// minus the resident memory before it. Sizes are in MiB. Memory an earlier
// step freed may be reused without raising the peak, so a small peak is a
// lower bound.
//
// "streamed" is what rank 0 of micon embed does: only the metadata is held,
// and the features arrive in blocks of 64 MiB (WellProfileOptions'
// gather_block_bytes), each appended to both files (ProfileFrameWriter) and
// dropped. Its line counts the features' creation as well as the writes, and
// its "before" holds the metadata but no features. "read h5 as table" is
// what each rank of a profile-mode training run used to read
// (ReadProfileTable); "1/8 plates" is what one of 8 ranks reads now
// (ReadProfileTableIndex, then ReadPlateFeatures of its plates).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/profile_frame.h"
#include "data/profile_frame_hdf5.h"
#include "data/profile_frame_writer.h"
#include "data/profile_table.h"

namespace {

long StatusKb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

void ResetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

template <typename Write>
void Measure(std::string what, Write write) {
  ResetPeak();
  const long before = StatusKb("VmRSS:");
  const auto start = std::chrono::steady_clock::now();
  const absl::Status s = write();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what.c_str(),
                 std::string(s.message()).c_str());
    std::exit(1);
  }
  std::printf("%-17s %8.2f s  peak %8.1f MiB above the %8.1f MiB before\n",
              what.c_str(), seconds, (StatusKb("VmHWM:") - before) / 1024.0,
              before / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s ROWS FEATURES OUT_DIR\n", argv[0]);
    return 2;
  }
  const int64_t rows = std::atoll(argv[1]);
  const int64_t features = std::atoll(argv[2]);
  const std::string out = argv[3];
  std::error_code made;
  std::filesystem::create_directories(out, made);
  if (made) {
    std::fprintf(stderr, "%s: %s\n", out.c_str(), made.message().c_str());
    return 1;
  }
  namespace pc = micon::profile_columns;
  micon::ProfileFrame frame;
  frame.metadata_names = {pc::kSource,  pc::kBatch,    pc::kPlate,
                          pc::kWell,    pc::kCompound, pc::kSmiles,
                          pc::kControl, pc::kImages};
  frame.metadata.assign(frame.metadata_names.size(),
                        std::vector<std::string>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t plate = r / 384;
    frame.metadata[0][r] = "source_" + std::to_string(plate % 4);
    frame.metadata[1][r] = "batch_" + std::to_string(plate % 16);
    frame.metadata[2][r] = "plate_" + std::to_string(plate);
    frame.metadata[3][r] = "A" + std::to_string(r % 384);
    frame.metadata[4][r] = "compound_" + std::to_string(r % 10007);
    frame.metadata[5][r] = "CC(=O)Oc1ccccc1C(=O)O";
    frame.metadata[6][r] = r % 12 == 0 ? "1" : "0";
    frame.metadata[7][r] = "9";
  }
  for (int64_t k = 0; k < features; ++k) {
    frame.feature_names.push_back(absl::StrCat("h_", k));
  }
  std::printf("%lld rows x %lld features: %.1f MiB of float64 features\n",
              static_cast<long long>(rows), static_cast<long long>(features),
              rows * features * 8 / 1048576.0);
  const int64_t block =
      std::max<int64_t>(1, (int64_t{64} << 20) / (features * 8));
  Measure("streamed csv+h5", [&]() -> absl::Status {
    std::vector<std::unique_ptr<micon::ProfileFrameWriter>> files;
    for (const char* file : {"/streamed.csv", "/streamed.h5"}) {
      auto opened = micon::ProfileFrameWriter::Open(out + file, frame, rows,
                                                    frame.feature_names);
      if (!opened.ok()) return opened.status();
      files.push_back(*std::move(opened));
    }
    torch::manual_seed(2);
    for (int64_t first = 0; first < rows; first += block) {
      const torch::Tensor rows_now = torch::randn(
          {std::min(block, rows - first), features}, torch::kFloat64);
      for (auto& f : files) {
        if (absl::Status s = f->Append(rows_now); !s.ok()) return s;
      }
    }
    for (auto& f : files) {
      if (absl::Status s = f->Commit(); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  torch::manual_seed(1);
  frame.features = torch::randn({rows, features}, torch::kFloat64);
  Measure("profiles.csv", [&] {
    return micon::WriteProfileFrame(frame, out + "/profiles.csv");
  });
  Measure("profiles.h5", [&] {
    return micon::WriteProfileFrame(frame, out + "/profiles.h5");
  });
  frame = micon::ProfileFrame();  // what follows holds only what it reads
  // What one of 8 ranks of a profile-mode training run reads: the index, then its eighth of
  // the plates (every 8th plate).
  for (const char* file : {"profiles.csv", "profiles.h5"}) {
    Measure(std::string("1/8 plates ") + file, [&]() -> absl::Status {
      absl::StatusOr<micon::ProfileTable> table =
          micon::ReadProfileTableIndex(out + "/" + file);
      if (!table.ok()) return table.status();
      std::vector<size_t> mine;
      for (size_t p = 0; p < table->plates.size(); p += 8) mine.push_back(p);
      return micon::ReadPlateFeatures(mine, *table);
    });
  }
  for (const char* file : {"profiles.csv", "profiles.h5"}) {
    Measure(std::string("read ") + file, [&]() -> absl::Status {
      absl::StatusOr<micon::ProfileFrame> back =
          micon::ReadProfileFrame(out + "/" + file);
      if (!back.ok()) return back.status();
      return back->rows() == rows ? absl::OkStatus()
                                  : absl::InternalError("rows differ");
    });
  }
  // The whole table as plates of float32 rows (ReadProfileTable): what every
  // rank of a profile-mode training run read before it read its plates only.
  Measure("read h5 as table", [&]() -> absl::Status {
    absl::StatusOr<micon::ProfileTable> table =
        micon::ReadProfileTable(out + "/profiles.h5");
    return table.ok() ? absl::OkStatus() : table.status();
  });
  return 0;
}
