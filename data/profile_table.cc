#include "data/profile_table.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/profile_frame.h"
#include "data/profile_frame_hdf5.h"

namespace micon {
namespace {

namespace pc = profile_columns;

// The metadata columns a training table must have, in the order of `Columns`.
struct Columns {
  const std::vector<std::string>* source;
  const std::vector<std::string>* batch;
  const std::vector<std::string>* plate;
  const std::vector<std::string>* well;
  const std::vector<std::string>* compound;
  const std::vector<std::string>* smiles;
  const std::vector<std::string>* control;
  const std::vector<std::string>* site;  // optional: null when absent
};

absl::StatusOr<Columns> FindColumns(const ProfileFrame& frame) {
  Columns c{};
  const std::pair<const char*, const std::vector<std::string>**> required[] = {
      {pc::kSource, &c.source},     {pc::kBatch, &c.batch},
      {pc::kPlate, &c.plate},       {pc::kWell, &c.well},
      {pc::kCompound, &c.compound}, {pc::kSmiles, &c.smiles},
      {pc::kControl, &c.control}};
  for (const auto& [name, column] : required) {
    MICON_ASSIGN_OR_RETURN(*column, frame.Column(name));
  }
  if (frame.HasColumn(pc::kSite)) c.site = *frame.Column(pc::kSite);
  return c;
}

// "line 12" of a text file, "row 11" of an HDF5 table.
std::string LineOf(const ProfileFrame& frame, int64_t row) {
  return frame.lines.empty()
             ? absl::StrCat("row ", row + 1)
             : absl::StrCat("line ", frame.lines[static_cast<size_t>(row)]);
}

// `rows` of a float64 matrix as a new float32 one, narrowed as they are
// copied. Selecting in float64 first made a temporary per plate whose freed
// space the heap could not give back: the table's plates cost twice their
// size. Here a plate costs its own bytes and nothing else.
torch::Tensor NarrowRows(const torch::Tensor& features,
                         const std::vector<int64_t>& rows) {
  TORCH_CHECK(features.scalar_type() == torch::kFloat64 &&
                  features.dim() == 2 && features.is_contiguous(),
              "NarrowRows needs a contiguous [rows, features] float64 matrix");
  const int64_t width = features.size(1);
  torch::Tensor out =
      torch::empty({static_cast<int64_t>(rows.size()), width}, torch::kFloat32);
  const double* from = features.data_ptr<double>();
  float* to = out.data_ptr<float>();
  for (const int64_t r : rows) {
    TORCH_CHECK(r >= 0 && r < features.size(0), "row ", r, " of ",
                features.size(0));
    to = NarrowToFloat(from + r * width, width, to);
  }
  return out;
}

}  // namespace

absl::StatusOr<bool> ParseControl(const std::string& text,
                                  const std::string& where) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "1" || t == "true") return true;
  if (t == "0" || t == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": ", pc::kControl, " is '", text,
                   "' (expected 1, 0, true or false)"));
}

absl::StatusOr<ProfileTable> ProfileTableFromFrame(const ProfileFrame& frame) {
  MICON_ASSIGN_OR_RETURN(const Columns col, FindColumns(frame));
  ProfileTable out;
  out.path = frame.path;
  out.feature_names = frame.feature_names;
  out.rows_in_file = frame.rows();
  out.metadata_names = frame.metadata_names;
  std::map<std::string, std::vector<int64_t>> rows_of_plate;
  for (int64_t r = 0; r < frame.rows(); ++r) {
    rows_of_plate[(*col.plate)[r]].push_back(r);
  }
  // compound id -> (SMILES, row of its first treated row)
  std::map<std::string, std::pair<std::string, int64_t>> smiles_of;
  // A frame read as an index has features [rows, 0]: the table gets none.
  const bool has_values = frame.features.size(1) ==
                          static_cast<int64_t>(frame.feature_names.size());
  const torch::Tensor features = frame.features.contiguous();
  for (const auto& [plate_name, rows] : rows_of_plate) {
    PlateMetadata plate;
    plate.path = frame.path;
    plate.header.source = (*col.source)[rows[0]];
    plate.header.batch = (*col.batch)[rows[0]];
    plate.header.plate = plate_name;
    std::set<std::pair<std::string, int32_t>> seen;
    for (int64_t r : rows) {
      const std::string where = frame.Where(r);
      if ((*col.source)[r] != plate.header.source ||
          (*col.batch)[r] != plate.header.batch) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": plate ", plate_name, " has two sources or batches (",
            plate.header.source, "/", plate.header.batch, " and ",
            (*col.source)[r], "/", (*col.batch)[r], ")"));
      }
      ImageRecord record;
      record.well = (*col.well)[r];
      record.compound = (*col.compound)[r];
      MICON_ASSIGN_OR_RETURN(record.control,
                             ParseControl((*col.control)[r], where));
      if (col.site != nullptr &&
          !absl::SimpleAtoi((*col.site)[r], &record.site)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", pc::kSite,
                                                       " is '", (*col.site)[r],
                                                       "', not an integer"));
      }
      if (!seen.insert({record.well, record.site}).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": plate ", plate_name, " repeats well ",
                         record.well, " site ", record.site));
      }
      if (!record.control) {
        const std::string& smiles = (*col.smiles)[r];
        if (record.compound.empty() || smiles.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": a treated row needs ", pc::kCompound,
                           " and ", pc::kSmiles));
        }
        auto [it, inserted] =
            smiles_of.emplace(record.compound, std::make_pair(smiles, r));
        if (!inserted && it->second.first != smiles) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": compound ", record.compound,
                           " has SMILES '", smiles, "' but '", it->second.first,
                           "' on ", LineOf(frame, it->second.second)));
        }
      }
      plate.images.push_back(record);
    }
    if (plate.num_controls() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          frame.path, ": plate ", plate_name,
          " has no control rows; MICON needs same-plate controls"));
    }
    out.features.push_back(has_values ? NarrowRows(features, rows)
                                      : torch::Tensor());
    out.file_rows.push_back(rows);
    out.plates.push_back(std::move(plate));
  }
  std::vector<Compound> compounds;
  for (const auto& [id, smiles] : smiles_of) {
    const int64_t row = smiles.second;
    compounds.push_back(
        {id, smiles.first,
         static_cast<size_t>(frame.lines.empty() ? row + 1
                                                 : frame.lines[row])});
  }
  MICON_ASSIGN_OR_RETURN(out.compounds,
                         MakeCompoundTable(compounds, frame.path));
  return out;
}

absl::StatusOr<ProfileTable> ReadProfileTable(const std::string& path) {
  MICON_ASSIGN_OR_RETURN(const ProfileFrame frame, ReadProfileFrame(path));
  return ProfileTableFromFrame(frame);
}

absl::StatusOr<ProfileTable> ReadProfileTableIndex(const std::string& path) {
  MICON_ASSIGN_OR_RETURN(const ProfileFrame frame,
                         ReadProfileFrame(path, ProfileFrameRead::kIndex));
  return ProfileTableFromFrame(frame);
}

absl::StatusOr<OtherMetadata> ReadOtherMetadata(
    const ProfileTable& table, const std::vector<std::string>& except) {
  const auto excepted = [&](const std::string& name) {
    return std::find(except.begin(), except.end(), name) != except.end();
  };
  OtherMetadata out;
  if (std::all_of(table.metadata_names.begin(), table.metadata_names.end(),
                  excepted)) {
    return out;
  }
  MICON_ASSIGN_OR_RETURN(
      ProfileFrame frame,
      ReadProfileFrame(table.path, ProfileFrameRead::kIndex));
  if (frame.rows() != table.rows_in_file ||
      frame.feature_names != table.feature_names ||
      frame.metadata_names != table.metadata_names) {
    return absl::FailedPreconditionError(
        absl::StrCat(table.path, " changed while it was read: ", frame.rows(),
                     " rows of ", frame.feature_names.size(), " features and ",
                     frame.metadata_names.size(), " metadata columns now, ",
                     table.rows_in_file, ", ", table.feature_names.size(),
                     " and ", table.metadata_names.size(), " before"));
  }
  for (size_t c = 0; c < frame.metadata_names.size(); ++c) {
    if (excepted(frame.metadata_names[c])) continue;
    out.names.push_back(frame.metadata_names[c]);
    out.values.push_back(std::move(frame.metadata[c]));
  }
  return out;
}

std::vector<size_t> AllPlates(const ProfileTable& table) {
  std::vector<size_t> all(table.plates.size());
  for (size_t p = 0; p < all.size(); ++p) all[p] = p;
  return all;
}

std::vector<std::vector<size_t>> PlateReadGroups(const ProfileTable& table,
                                                 int64_t max_bytes) {
  if (!IsHdf5Path(table.path)) return {AllPlates(table)};
  const int64_t row_bytes =
      static_cast<int64_t>(table.feature_names.size() * sizeof(float));
  std::vector<std::vector<size_t>> groups;
  int64_t bytes = 0;
  for (size_t p = 0; p < table.plates.size(); ++p) {
    const int64_t plate_bytes = table.plates[p].num_images() * row_bytes;
    if (groups.empty() || bytes + plate_bytes > max_bytes) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(p);
    bytes += plate_bytes;
  }
  return groups;
}

absl::Status ReadPlateFeatures(const std::vector<size_t>& plates,
                               ProfileTable& table) {
  const int64_t width = static_cast<int64_t>(table.feature_names.size());
  std::vector<RowDestination> rows;
  std::vector<size_t> reading;
  if (table.file_rows.size() != table.plates.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(table.path, ": the table has ", table.file_rows.size(),
                     " plates' file rows for ", table.plates.size(),
                     " plates (not read by ReadProfileTable[Index])"));
  }
  for (const size_t p : plates) {
    if (p >= table.plates.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(table.path, ": plate ", p, " of ", table.plates.size()));
    }
    if (table.features[p].defined()) continue;
    reading.push_back(p);
    const std::vector<int64_t>& file_rows = table.file_rows[p];
    table.features[p] = torch::empty(
        {static_cast<int64_t>(file_rows.size()), width}, torch::kFloat32);
    float* to = table.features[p].data_ptr<float>();
    for (size_t i = 0; i < file_rows.size(); ++i) {
      rows.push_back({file_rows[i], to + static_cast<int64_t>(i) * width});
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const RowDestination& a, const RowDestination& b) {
              return a.row < b.row;
            });
  const absl::Status read = ReadProfileRows(table.path, table.feature_names,
                                            table.rows_in_file, rows);
  if (!read.ok()) {
    // No plate is left half read.
    for (const size_t p : reading) table.features[p] = torch::Tensor();
  }
  return read;
}

}  // namespace micon
