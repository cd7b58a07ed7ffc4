#include "data/load_data_converter.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "data/compound_table.h"
#include "data/delimited_table.h"
#include "data/plate_store.h"
#include "data/plate_writer.h"
#include "data/tiff_image.h"

namespace micon {
namespace fs = std::filesystem;
namespace {

struct ChannelColumns {
  size_t file_name;
  size_t path_name;
};

absl::StatusOr<std::vector<ChannelColumns>> FindChannelColumns(
    const DelimitedTable& t, const std::vector<std::string>& channels) {
  std::vector<ChannelColumns> out;
  std::vector<std::string> missing;
  for (const std::string& ch : channels) {
    std::string prefix;
    for (const char* p : {"", "Orig"}) {
      if (t.HasColumn(absl::StrCat("FileName_", p, ch))) prefix = p;
    }
    const std::string file_col = absl::StrCat("FileName_", prefix, ch);
    const std::string path_col = absl::StrCat("PathName_", prefix, ch);
    if (!t.HasColumn(file_col) || !t.HasColumn(path_col)) {
      missing.push_back(ch);
      continue;
    }
    out.push_back({*t.Column(file_col), *t.Column(path_col)});
  }
  if (!missing.empty()) {
    std::vector<std::string> present;
    for (const std::string& h : t.header) {
      if (h.rfind("FileName_", 0) == 0) present.push_back(h.substr(9));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(t.path, ": no FileName_/PathName_ columns for channel(s) ",
                     absl::StrJoin(missing, ", "),
                     " (the file has: ", absl::StrJoin(present, ", "),
                     "); request the channels it has with --channels"));
  }
  return out;
}

// well -> compound id ("" for controls).
absl::StatusOr<std::map<std::string, std::string>> ReadPlatemap(
    const ConvertOptions& o) {
  MICON_ASSIGN_OR_RETURN(DelimitedTable t, ReadDelimitedTable(o.platemap));
  MICON_ASSIGN_OR_RETURN(size_t well_col, t.Column(o.platemap_well_column));
  MICON_ASSIGN_OR_RETURN(size_t cpd_col, t.Column(o.platemap_compound_column));
  const std::set<std::string> controls(o.control_ids.begin(),
                                       o.control_ids.end());
  std::map<std::string, std::string> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string well = NormalizeWellName(t.rows[r][well_col]);
    std::string compound(absl::StripAsciiWhitespace(t.rows[r][cpd_col]));
    if (controls.count(compound)) compound.clear();
    if (!out.emplace(well, compound).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          o.platemap, " line ", t.Line(r), ": well ", well, " listed twice"));
    }
  }
  return out;
}

// The compound table's compounds by id, each with its annotations (every
// column but the id and SMILES: moa, InChIKey, ...).
struct SourceCompounds {
  std::vector<std::string> annotation_names;
  std::map<std::string, Compound> by_id;
};

absl::StatusOr<SourceCompounds> ReadSourceCompounds(const ConvertOptions& o) {
  MICON_ASSIGN_OR_RETURN(DelimitedTable t,
                         ReadDelimitedTable(o.compound_table));
  MICON_ASSIGN_OR_RETURN(size_t id_col, t.Column(o.compound_id_column));
  MICON_ASSIGN_OR_RETURN(size_t smiles_col, t.Column(o.smiles_column));
  const AnnotationColumns annotations =
      AnnotationColumnsOf(t.header, o.compound_id_column, o.smiles_column);
  SourceCompounds out;
  out.annotation_names = annotations.names;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string id(absl::StripAsciiWhitespace(t.rows[r][id_col]));
    if (id.empty()) continue;  // e.g. the DMSO row of JUMP metadata tables
    out.by_id.emplace(
        id,
        Compound{id,
                 std::string(absl::StripAsciiWhitespace(t.rows[r][smiles_col])),
                 t.Line(r), AnnotationsOfRow(annotations, t.rows[r])});
  }
  return out;
}

// `values` (one per `from`) as values of the columns `to`: empty where `from`
// has no such column.
std::vector<std::string> ValuesForColumns(
    const std::vector<std::string>& from,
    const std::vector<std::string>& values,
    const std::vector<std::string>& to) {
  std::vector<std::string> out;
  out.reserve(to.size());
  for (const std::string& name : to) {
    const auto it = std::find(from.begin(), from.end(), name);
    out.push_back(it == from.end() ? "" : values[it - from.begin()]);
  }
  return out;
}

std::string ColumnOr(const DelimitedTable& t, size_t row,
                     const std::string& column, const std::string& fallback) {
  absl::StatusOr<size_t> c = t.Column(column);
  return c.ok() && !t.rows[row][*c].empty() ? t.rows[row][*c] : fallback;
}

struct PlateRows {
  std::string source, batch;
  std::vector<size_t> rows;
};

}  // namespace

std::string NormalizeWellName(const std::string& well) {
  std::string w = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(well));
  size_t letters = 0;
  while (letters < w.size() &&
         std::isalpha(static_cast<unsigned char>(w[letters])))
    ++letters;
  int number = 0;
  if (letters == 0 || letters == w.size() ||
      !absl::SimpleAtoi(w.substr(letters), &number)) {
    return w;
  }
  return absl::StrCat(w.substr(0, letters), number < 10 ? "0" : "", number);
}

std::vector<int> AssignPlatesToShards(const std::vector<int64_t>& fields,
                                      int shards) {
  std::vector<size_t> order(fields.size());
  for (size_t p = 0; p < order.size(); ++p) order[p] = p;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return fields[a] > fields[b]; });
  std::vector<int64_t> load(static_cast<size_t>(std::max(shards, 1)), 0);
  std::vector<int> shard_of(fields.size(), 0);
  for (size_t p : order) {
    const int least = static_cast<int>(
        std::min_element(load.begin(), load.end()) - load.begin());
    shard_of[p] = least;
    load[static_cast<size_t>(least)] += fields[p];
  }
  return shard_of;
}

absl::StatusOr<ConvertReport> ConvertLoadData(const ConvertOptions& o) {
  if (o.shards != 1) {
    return absl::InvalidArgumentError(
        "ConvertLoadData converts every plate; shards use ConvertPlates and "
        "FinishConvertedStore");
  }
  MICON_ASSIGN_OR_RETURN(ConvertedPlates plates, ConvertPlates(o));
  return FinishConvertedStore(o, plates);
}

absl::StatusOr<ConvertedPlates> ConvertPlates(const ConvertOptions& o) {
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards) {
    return absl::InvalidArgumentError(
        absl::StrCat("convert: shard ", o.shard, " of ", o.shards));
  }
  if (o.output.empty())
    return absl::InvalidArgumentError("convert: no output folder given");
  if (o.channels.empty())
    return absl::InvalidArgumentError("convert: no channels requested");
  MICON_ASSIGN_OR_RETURN(DelimitedTable load, ReadDelimitedTable(o.load_data));
  MICON_ASSIGN_OR_RETURN(std::vector<ChannelColumns> channel_cols,
                         FindChannelColumns(load, o.channels));
  MICON_ASSIGN_OR_RETURN(size_t plate_col, load.Column("Metadata_Plate"));
  MICON_ASSIGN_OR_RETURN(size_t well_col, load.Column("Metadata_Well"));
  MICON_ASSIGN_OR_RETURN(size_t site_col, load.Column("Metadata_Site"));
  MICON_ASSIGN_OR_RETURN(auto platemap, ReadPlatemap(o));
  MICON_ASSIGN_OR_RETURN(SourceCompounds source, ReadSourceCompounds(o));
  const std::map<std::string, Compound>& smiles = source.by_id;
  const fs::path base = fs::path(o.load_data).parent_path();

  // Group rows by plate, checking metadata before any pixel is read.
  std::map<std::string, PlateRows> plates;
  std::map<std::string, Compound> used;
  for (size_t r = 0; r < load.rows.size(); ++r) {
    const std::string where = absl::StrCat(o.load_data, " line ", load.Line(r));
    const std::string& plate = load.rows[r][plate_col];
    if (plate.empty())
      return absl::InvalidArgumentError(where + ": empty Metadata_Plate");
    PlateRows& pr = plates[plate];
    pr.source = ColumnOr(load, r, "Metadata_Source", o.source);
    pr.batch = ColumnOr(load, r, "Metadata_Batch", o.batch);
    if (pr.source.empty() || pr.batch.empty()) {
      return absl::InvalidArgumentError(where +
                                        ": no Metadata_Source/Metadata_Batch "
                                        "column; pass --source and --batch");
    }
    const std::string well = NormalizeWellName(load.rows[r][well_col]);
    auto it = platemap.find(well);
    if (it == platemap.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": well ", well, " is not in the platemap ", o.platemap));
    }
    if (!it->second.empty()) {
      auto s = smiles.find(it->second);
      if (s == smiles.end() || s->second.smiles.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": well ", well, " compound ", it->second,
                         " has no SMILES in ", o.compound_table));
      }
      used.emplace(s->first, s->second);
    }
    pr.rows.push_back(r);
  }

  std::error_code ec;
  fs::create_directories(fs::path(o.output) / kPlatesDir, ec);
  if (ec)
    return absl::PermissionDeniedError(
        o.output + ": cannot create folder: " + ec.message());
  std::vector<int64_t> fields;
  for (const auto& [plate, pr] : plates) {
    fields.push_back(static_cast<int64_t>(pr.rows.size()));
  }
  const std::vector<int> shard_of = AssignPlatesToShards(fields, o.shards);
  ConvertedPlates report;
  report.used = std::move(used);
  report.annotation_names = std::move(source.annotation_names);
  size_t index = 0;
  for (const auto& [plate, pr] : plates) {
    if (shard_of[index++] != o.shard) continue;
    PlateHeader header{pr.source, pr.batch,          plate, o.channels, 0,
                       0,         PixelType::kUint16};
    const std::string path =
        (fs::path(o.output) / kPlatesDir / (plate + ".h5")).string();
    std::optional<PlateWriter> writer;
    std::vector<uint16_t> pixels;
    for (size_t r : pr.rows) {
      const auto& row = load.rows[r];
      const std::string where =
          absl::StrCat(o.load_data, " line ", load.Line(r));
      for (size_t c = 0; c < channel_cols.size(); ++c) {
        fs::path dir = row[channel_cols[c].path_name];
        if (dir.is_relative()) dir = base / dir;
        absl::StatusOr<GrayImage> img =
            ReadGrayTiff((dir / row[channel_cols[c].file_name]).string());
        if (!img.ok())
          return Annotate(img.status(), where + ", channel " + o.channels[c]);
        if (!writer) {
          header.height = img->height;
          header.width = img->width;
          absl::StatusOr<PlateWriter> created = PlateWriter::Create(
              path, header, {o.compression_level, o.overwrite});
          if (!created.ok()) return created.status();
          writer.emplace(*std::move(created));
          pixels.resize(header.pixels_per_image());
        }
        if (img->height != header.height || img->width != header.width) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ", channel ", o.channels[c], ": image is ",
                           img->height, "x", img->width, " but plate ", plate,
                           " started at ", header.height, "x", header.width));
        }
        std::copy(img->pixels.begin(), img->pixels.end(),
                  pixels.begin() + c * header.height * header.width);
      }
      int site = 0;
      if (!absl::SimpleAtoi(row[site_col], &site) || site < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": Metadata_Site '", row[site_col],
                         "' is not a non-negative integer"));
      }
      const std::string well = NormalizeWellName(row[well_col]);
      const std::string& compound = platemap.at(well);
      const bool control = compound.empty();
      MICON_RETURN_IF_ERROR(writer->Append(
          {well, site, control ? o.control_compound : compound, control},
          pixels.data()));
      ++report.images;
    }
    MICON_RETURN_IF_ERROR(writer->Finish());
    report.plate_files.push_back(path);
  }
  return report;
}

absl::StatusOr<ConvertReport> FinishConvertedStore(
    const ConvertOptions& o, const ConvertedPlates& plates) {
  std::map<std::string, Compound> used = plates.used;
  ConvertReport report;
  report.plate_files = plates.plate_files;
  report.images = plates.images;
  std::error_code ec;

  // Converting more plates into an existing store keeps the compounds it
  // lists with their annotations; a column the store lacks is added, filled
  // from the new table where it has the compound.
  const std::string compounds_path =
      (fs::path(o.output) / kCompoundsFile).string();
  std::vector<Compound> compounds;
  std::vector<std::string> names = plates.annotation_names;
  if (fs::exists(compounds_path, ec)) {
    MICON_ASSIGN_OR_RETURN(CompoundTable existing,
                           ReadCompoundTable(compounds_path));
    names = existing.annotation_names;
    for (const std::string& name : plates.annotation_names) {
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
    for (Compound c : existing.compounds) {
      auto u = used.find(c.id);
      if (u != used.end() && u->second.smiles != c.smiles) {
        return absl::InvalidArgumentError(absl::StrCat(
            compounds_path, " line ", c.line, ": compound ", c.id,
            " has SMILES ", c.smiles, " but ", o.compound_table, " line ",
            u->second.line, " gives ", u->second.smiles));
      }
      std::vector<std::string> values =
          ValuesForColumns(existing.annotation_names, c.annotations, names);
      if (u != used.end()) {
        const std::vector<std::string> given = ValuesForColumns(
            plates.annotation_names, u->second.annotations, names);
        for (size_t k = existing.annotation_names.size(); k < names.size();
             ++k) {
          values[k] = given[k];
        }
        used.erase(u);
      }
      c.annotations = std::move(values);
      compounds.push_back(std::move(c));
    }
  }
  report.compounds = static_cast<int64_t>(compounds.size() + used.size());
  for (auto& [id, c] : used) {
    c.annotations =
        ValuesForColumns(plates.annotation_names, c.annotations, names);
    compounds.push_back(c);
  }
  MICON_RETURN_IF_ERROR(WriteCompoundTable(compounds_path, compounds, names));
  MICON_ASSIGN_OR_RETURN(PlateStoreScan scan, ScanPlateStore(o.output));
  report.problems = std::move(scan.problems);
  return report;
}

}  // namespace micon
