#include "tests/launch/train/train_fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/delimited_table.h"
#include "tests/data/screen_fixture.h"
#include "tests/test_support.h"

namespace micon::testing {

const std::string& SmallImageDataset() { return SmallScreenPath(); }

const std::string& SmallProfileTable() {
  static const std::string* path = [] {
    auto* p = new std::string(
        absl::StrCat(testing::ScratchRoot(), "/profiles_", ::getpid(), ".csv"));
    absl::StatusOr<DelimitedTable> moa = ReadDelimitedTable(
        SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv"));
    if (!moa.ok()) AbortFixture("SmallProfileTable", moa.status());
    const size_t id = *moa->Column("broad_sample");
    const size_t smiles = *moa->Column("smiles");
    std::vector<std::pair<std::string, std::string>> compounds;
    for (const auto& row : moa->rows) {
      if (!row[smiles].empty() && row[smiles] != "NA" && compounds.size() < 8) {
        compounds.emplace_back(row[id], row[smiles]);
      }
    }
    constexpr int kFeatures = 24;
    std::mt19937_64 rng(5);
    std::normal_distribution<double> normal(0, 1);
    std::vector<std::vector<double>> signal(compounds.size());
    for (auto& s : signal) {
      for (int f = 0; f < kFeatures; ++f) s.push_back(2 * normal(rng));
    }
    std::vector<std::string> header = {"Metadata_Source",   "Metadata_Batch",
                                       "Metadata_Plate",    "Metadata_Well",
                                       "Metadata_Compound", "Metadata_SMILES",
                                       "Metadata_Control"};
    for (int f = 0; f < kFeatures; ++f) header.push_back(absl::StrCat("f", f));
    std::vector<std::vector<std::string>> rows;
    for (int plate = 0; plate < 6; ++plate) {
      std::vector<double> offset;
      for (int f = 0; f < kFeatures; ++f) offset.push_back(normal(rng));
      int well = 0;
      auto add = [&](const std::string& compound, const std::string& smi,
                     bool control, const std::vector<double>* effect) {
        std::vector<std::string> row = {"s1",
                                        absl::StrCat("b", plate / 2),
                                        absl::StrCat("P", plate),
                                        absl::StrCat("A", ++well),
                                        compound,
                                        smi,
                                        control ? "1" : "0"};
        for (int f = 0; f < kFeatures; ++f) {
          const double v =
              offset[f] + (effect ? (*effect)[f] : 0) + 0.3 * normal(rng);
          row.push_back(absl::StrCat(v));
        }
        rows.push_back(std::move(row));
      };
      for (int c = 0; c < 4; ++c) add("DMSO", "", true, nullptr);
      for (size_t c = 0; c < compounds.size(); ++c) {
        for (int rep = 0; rep < 2; ++rep) {
          add(compounds[c].first, compounds[c].second, false, &signal[c]);
        }
      }
    }
    const absl::Status written = WriteCsv(*p, header, rows);
    if (!written.ok()) AbortFixture("SmallProfileTable", written);
    return p;
  }();
  return *path;
}

const std::string& SmallEmbeddingStore() {
  static const std::string* path = [] {
    // Shared by every test process (ctest runs each test in its own) and
    // remade for each build of micon: the folder is named by the binary's
    // size and time. A lock lets the first process build it; the store
    // appears by a rename, whole, so no process sees half of one.
    std::error_code ec;
    const std::string root = ScratchRoot();
    const std::string shared =
        absl::StrCat(root, "/embedding-store-",
                     std::filesystem::file_size(MiconBinary(), ec), "-",
                     std::filesystem::last_write_time(MiconBinary(), ec)
                         .time_since_epoch()
                         .count());
    const int lock = ::open((root + "/embedding-store.lock").c_str(),
                            O_CREAT | O_RDWR, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
      ADD_FAILURE() << "cannot lock " << root << "/embedding-store.lock";
      return new std::string();
    }
    if (!std::filesystem::exists(shared + "/store/compounds.csv")) {
      const std::string scratch = absl::StrCat(shared, ".partial-", ::getpid());
      std::filesystem::remove_all(scratch, ec);
      const CommandResult trained =
          RunCommand(TrainCommand(scratch + "/run", SmallImageDataset(), 1) +
                     " --set loss.objective=simclr");
      const CommandResult embedded =
          trained.exit_code != 0
              ? trained
              : RunCommand(MiconBinary() +
                           " embed --per-channel --checkpoint " + scratch +
                           "/run/checkpoints/step-00000001.ckpt -o " + scratch +
                           "/store");
      if (embedded.exit_code != 0) {
        ADD_FAILURE() << embedded.output;
      } else {
        std::filesystem::rename(scratch, shared, ec);
        if (ec) ADD_FAILURE() << "cannot rename " << scratch << ": " << ec;
      }
    }
    ::close(lock);  // releases the lock
    return new std::string(shared + "/store");
  }();
  return *path;
}

std::string TrainCommand(const std::string& run, const std::string& dataset,
                         int steps) {
  return absl::StrCat(
      MiconBinary(), " train --set run.dir=", run,
      " --set data.dataset=", dataset, " --set train.steps=", steps,
      " --set train.log_every=1 --set data.batch_size=2 --set data.workers=1"
      " --set model.projection_hidden=[32] --set model.molecule_hidden=[32]"
      " --set model.generator_hidden=[32] --set model.profile_hidden=[32]"
      " --set model.projection_dim=16 --set model.molecule_dim=16"
      " --set model.profile_dim=16 --set molecule.bits=256"
      " --set loss.temperature=0.5 --set checkpoint.every_minutes=0");
}

std::string CellclipTrainCommand(const std::string& run, int steps,
                                 const std::string& targets) {
  return absl::StrCat(
      TrainCommand(run, SmallEmbeddingStore(), steps),
      " --set data.input=embeddings --set loss.objective=cellclip",
      " --set loss.cellclip_targets=", targets,
      " --set data.batch_size=4 --set data.fields_per_well=1",
      " --set model.cross_channel_width=16 --set model.cross_channel_heads=2",
      " --set model.cross_channel_dim=16 --set checkpoint.every_steps=3");
}

}  // namespace micon::testing
