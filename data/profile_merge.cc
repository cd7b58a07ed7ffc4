#include "data/profile_merge.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/profile_frame.h"
#include "data/profile_frame_writer.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

// What the first pass keeps of one input beside its metadata.
struct InputIndex {
  int64_t first_row = 0;  // in the merged rows, before any is left out
  int64_t rows = 0;
  std::vector<std::string> feature_names;
};

absl::Status CheckColumnsUnique(const ProfileFrame& frame) {
  std::set<std::string> seen;
  for (const std::vector<std::string>* names :
       {&frame.metadata_names, &frame.feature_names}) {
    for (const std::string& name : *names) {
      if (!seen.insert(name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(frame.path, ": column ", name,
                         " appears twice, so its values are ambiguous"));
      }
    }
  }
  return absl::OkStatus();
}

// Those of `names` that `in` lacks, in order.
std::vector<std::string> Lacking(const std::vector<std::string>& names,
                                 const std::set<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (in.count(name) == 0) out.push_back(name);
  }
  return out;
}

// The metadata of every input's rows, one input after another: the union of
// their columns, empty where an input lacks one.
class MetadataUnion {
 public:
  // Takes `frame`'s metadata.
  void Append(ProfileFrame& frame) {
    const int64_t before = rows_;
    rows_ += frame.rows();
    for (size_t m = 0; m < frame.metadata_names.size(); ++m) {
      const auto [it, added] = column_.try_emplace(
          frame.metadata_names[m], merged_.metadata_names.size());
      if (added) {
        merged_.metadata_names.push_back(frame.metadata_names[m]);
        merged_.metadata.emplace_back(static_cast<size_t>(before));
        inputs_with_.push_back(0);
      }
      std::vector<std::string>& column = merged_.metadata[it->second];
      column.insert(column.end(),
                    std::make_move_iterator(frame.metadata[m].begin()),
                    std::make_move_iterator(frame.metadata[m].end()));
      ++inputs_with_[it->second];
    }
    for (std::vector<std::string>& column : merged_.metadata) {
      column.resize(static_cast<size_t>(rows_));
    }
    ++inputs_;
  }

  // The merged metadata as a frame of [rows, 0] features, to map.
  ProfileFrame& Frame(const std::string& path) {
    merged_.path = path;
    merged_.features = torch::empty({rows_, 0}, torch::kFloat64);
    return merged_;
  }
  int64_t rows() const { return rows_; }

  // Leaves out the rows where `keep` is false.
  void KeepRows(const std::vector<bool>& keep) {
    for (std::vector<std::string>& column : merged_.metadata) {
      size_t kept = 0;
      for (size_t r = 0; r < keep.size(); ++r) {
        if (!keep[r]) continue;
        // A self-move would empty the string.
        if (kept != r) column[kept] = std::move(column[r]);
        ++kept;
      }
      column.resize(kept);
    }
    rows_ = std::count(keep.begin(), keep.end(), true);
    merged_.features = torch::empty({rows_, 0}, torch::kFloat64);
  }

  std::vector<std::pair<std::string, size_t>> Partial() const {
    std::vector<std::pair<std::string, size_t>> out;
    for (size_t c = 0; c < inputs_with_.size(); ++c) {
      if (inputs_with_[c] < inputs_) {
        out.emplace_back(merged_.metadata_names[c], inputs_ - inputs_with_[c]);
      }
    }
    return out;
  }

 private:
  ProfileFrame merged_;
  std::map<std::string, size_t> column_;
  std::vector<size_t> inputs_with_;  // per column
  int64_t rows_ = 0;
  size_t inputs_ = 0;
};

// Each plate in one input only, by the merged Metadata_Plate (so after any
// rename): the same plate in two inputs is nearly always one plate's
// profiles given twice. Empty values (an input without the column) are no
// plate.
absl::Status CheckEachPlateInOneInput(const ProfileFrame& merged,
                                      const std::vector<std::string>& inputs,
                                      const std::vector<InputIndex>& index) {
  if (!merged.HasColumn(profile_columns::kPlate)) return absl::OkStatus();
  const std::vector<std::string>& plates =
      **merged.Column(profile_columns::kPlate);
  std::map<std::string, size_t> owner;
  for (size_t i = 0; i < index.size(); ++i) {
    const size_t begin = static_cast<size_t>(index[i].first_row);
    const size_t end = begin + static_cast<size_t>(index[i].rows);
    for (size_t r = begin; r < end; ++r) {
      if (plates[r].empty()) continue;
      const auto [it, added] = owner.try_emplace(plates[r], i);
      if (!added && it->second != i) {
        return absl::InvalidArgumentError(absl::StrCat(
            inputs[i], ": plate ", plates[r], " (", profile_columns::kPlate,
            ") is also in ", inputs[it->second],
            "; give each plate's profiles once"));
      }
    }
  }
  return absl::OkStatus();
}

// The merged table's features, by `how`; the dropped ones into `dropped`.
absl::StatusOr<std::vector<std::string>> AlignFeatures(
    const std::vector<std::string>& inputs,
    const std::vector<InputIndex>& index, FeatureAlignment how,
    std::vector<std::string>* dropped) {
  const std::vector<std::string>& first = index[0].feature_names;
  const std::set<std::string> first_set(first.begin(), first.end());
  std::set<std::string> common = first_set;
  for (size_t i = 1; i < index.size(); ++i) {
    const std::vector<std::string>& names = index[i].feature_names;
    const std::set<std::string> these(names.begin(), names.end());
    if (how == FeatureAlignment::kSame && these != first_set) {
      const std::vector<std::string> lacks = Lacking(first, these);
      const std::vector<std::string> extra = Lacking(names, first_set);
      std::string differences;
      if (!lacks.empty()) {
        differences = absl::StrCat("it lacks ", NamesInBrief(lacks));
      }
      if (!extra.empty()) {
        absl::StrAppend(&differences, differences.empty() ? "" : "; ",
                        "it has ", NamesInBrief(extra), " besides");
      }
      return absl::InvalidArgumentError(absl::StrCat(
          inputs[i], ": its ", names.size(), " features are not the ",
          first.size(), " of ", inputs[0], ": ", differences,
          " (--features common keeps those every input has)"));
    }
    std::set<std::string> kept;
    for (const std::string& name : common) {
      if (these.count(name) > 0) kept.insert(name);
    }
    common = std::move(kept);
  }
  std::vector<std::string> features;
  for (const std::string& name : first) {
    if (common.count(name) > 0) features.push_back(name);
  }
  if (features.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no feature is in every one of the ", inputs.size(),
                     " inputs (", inputs[0], " has ", first.size(), ")"));
  }
  std::set<std::string> seen = common;
  for (const InputIndex& input : index) {
    for (const std::string& name : input.feature_names) {
      if (seen.insert(name).second) dropped->push_back(name);
    }
  }
  return features;
}

// Where each of `wanted` is among an input's features; empty when they are
// the input's own, in its order.
std::vector<int64_t> FeaturePositions(const std::vector<std::string>& names,
                                      const std::vector<std::string>& wanted) {
  if (names == wanted) return {};
  std::map<std::string, int64_t> position;
  for (size_t k = 0; k < names.size(); ++k) {
    position[names[k]] = static_cast<int64_t>(k);
  }
  std::vector<int64_t> columns;
  for (const std::string& name : wanted) columns.push_back(position.at(name));
  return columns;
}

// The rows of a block of `bytes` of float64 features.
int64_t BlockRows(int64_t bytes, size_t features) {
  return std::max<int64_t>(1, bytes / (8 * static_cast<int64_t>(features)));
}

// The rows of `features` (an input's, the merged rows from `first_row` on)
// that `keep` keeps.
at::Tensor KeptRows(const at::Tensor& features, const std::vector<bool>& keep,
                    int64_t first_row) {
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < features.size(0); ++r) {
    if (keep[static_cast<size_t>(first_row + r)]) rows.push_back(r);
  }
  if (static_cast<int64_t>(rows.size()) == features.size(0)) return features;
  return features.index_select(0, torch::tensor(rows, torch::kLong));
}

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec_a, ec_b;
  const fs::path pa = fs::weakly_canonical(a, ec_a);
  const fs::path pb = fs::weakly_canonical(b, ec_b);
  return !ec_a && !ec_b && pa == pb;
}

}  // namespace

std::string NamesInBrief(const std::vector<std::string>& names, size_t shown) {
  if (names.size() <= shown) return absl::StrJoin(names, ", ");
  return absl::StrCat(
      absl::StrJoin(names.begin(),
                    names.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
      " (and ", names.size() - shown, " more)");
}

absl::StatusOr<ProfileMergeSummary> MergeProfileFiles(
    const std::vector<std::string>& inputs, const std::string& output,
    const ProfileMergeOptions& options) {
  if (inputs.empty()) {
    return absl::InvalidArgumentError("no profile files to merge");
  }
  for (const std::string& input : inputs) {
    if (SameFile(input, output)) {
      return absl::InvalidArgumentError(
          absl::StrCat(output, ": the output is also an input"));
    }
  }
  const auto done = [&](int pass, size_t i) {
    if (options.on_input) options.on_input(pass, i + 1, inputs.size());
  };

  MetadataUnion metadata;
  std::vector<InputIndex> index;
  for (size_t i = 0; i < inputs.size(); ++i) {
    MICON_ASSIGN_OR_RETURN(
        ProfileFrame frame,
        ReadProfileFrame(inputs[i], ProfileFrameRead::kIndex));
    MICON_RETURN_IF_ERROR(CheckColumnsUnique(frame));
    index.push_back(
        {metadata.rows(), frame.rows(), std::move(frame.feature_names)});
    metadata.Append(frame);
    done(1, i);
  }

  ProfileMergeSummary summary;
  MICON_ASSIGN_OR_RETURN(summary.feature_names,
                         AlignFeatures(inputs, index, options.features,
                                       &summary.dropped_features));
  summary.partial_metadata = metadata.Partial();
  ProfileFrame& rows = metadata.Frame(output);
  MappingSummary mapped;
  MICON_ASSIGN_OR_RETURN(const std::vector<bool> keep,
                         ApplyMetadataMapping(options.metadata, rows, &mapped));
  summary.left_out = std::move(mapped.left_out);
  summary.joins = std::move(mapped.joins);
  MICON_RETURN_IF_ERROR(CheckEachPlateInOneInput(rows, inputs, index));
  metadata.KeepRows(keep);
  summary.rows = metadata.rows();
  if (summary.rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        output, ": every row of the ", inputs.size(),
        " inputs was left out (treated rows without a value they need)"));
  }
  summary.metadata_names = rows.metadata_names;

  MICON_ASSIGN_OR_RETURN(std::unique_ptr<ProfileFrameWriter> out,
                         ProfileFrameWriter::Open(output, rows, summary.rows,
                                                  summary.feature_names));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputIndex& input = index[i];
    const std::vector<int64_t> columns =
        FeaturePositions(input.feature_names, summary.feature_names);
    const at::Tensor positions = torch::tensor(columns, torch::kLong);
    // The reader checks that the input has not changed since its first pass.
    MICON_RETURN_IF_ERROR(ReadProfileFeatureBlocks(
        inputs[i], input.feature_names, input.rows,
        BlockRows(options.block_bytes, input.feature_names.size()),
        [&](int64_t first, const at::Tensor& block) {
          const at::Tensor wanted =
              columns.empty() ? block : block.index_select(1, positions);
          return out->Append(KeptRows(wanted, keep, input.first_row + first));
        }));
    done(2, i);
  }
  MICON_RETURN_IF_ERROR(out->Commit());
  return summary;
}

}  // namespace micon
