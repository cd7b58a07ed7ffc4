#include "launch/profiles/retrieval_evaluation.h"

#include <torch/torch.h>

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "data/delimited_table.h"
#include "data/profile_frame.h"
#include "launch/profiles/output_folder.h"
#include "launch/profiles/retrieval_projections.h"

namespace micon {
namespace {

namespace fs = std::filesystem;
namespace pc = profile_columns;

absl::StatusOr<RetrievalSplit> RankSplit(
    const std::string& split, const ProfileFrame& wells,
    const std::vector<int64_t>& rows, const std::vector<std::string>& compound,
    const std::vector<std::string>& names,
    const std::map<std::string, int64_t>& molecule_row,
    const ProfileFrame& molecules) {
  RetrievalSplit out;
  out.name = split;
  std::map<std::string, int64_t> label;
  std::vector<int64_t> labels, molecule_rows;
  for (int64_t r : rows) {
    const std::string& c = compound[static_cast<size_t>(r)];
    const auto found = molecule_row.find(c);
    if (found == molecule_row.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(molecules.path, ": has no row for compound ", c, " of ",
                       wells.Where(r)));
    }
    const auto [it, added] =
        label.emplace(c, static_cast<int64_t>(out.compounds.size()));
    if (added) {
      out.compounds.push_back(c);
      molecule_rows.push_back(found->second);
    }
    labels.push_back(it->second);
    out.well_compounds.push_back(c);
    out.wells.push_back(names[static_cast<size_t>(r)]);
  }
  const torch::Tensor w =
      wells.features.index_select(0, torch::tensor(rows, torch::kLong));
  const torch::Tensor m = molecules.features.index_select(
      0, torch::tensor(molecule_rows, torch::kLong));
  out.well_to_molecule = WellToMolecule(w, labels, m);
  out.molecule_to_well = MoleculeToWell(m, w, labels);
  return out;
}

}  // namespace

absl::StatusOr<MethodRetrieval> EvaluateRetrieval(
    const std::string& name, const std::string& folder,
    const std::set<std::string>* held_out,
    const std::set<std::string>* plates) {
  MICON_ASSIGN_OR_RETURN(
      const ProfileFrame wells,
      ReadProfileFrame((fs::path(folder) / kWellProjectionsFile).string()));
  MICON_ASSIGN_OR_RETURN(
      const ProfileFrame molecules,
      ReadProfileFrame((fs::path(folder) / kMoleculeProjectionsFile).string()));
  if (wells.features.size(1) != molecules.features.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        folder, ": wells have ", wells.features.size(1),
        " projection features but molecules ", molecules.features.size(1)));
  }
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* compound,
                         wells.Column(pc::kCompound));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* control,
                         wells.Column(pc::kControl));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* plate,
                         wells.Column(pc::kPlate));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* well,
                         wells.Column(pc::kWell));
  MICON_ASSIGN_OR_RETURN(const std::vector<std::string>* ids,
                         molecules.Column(pc::kCompound));
  std::map<std::string, int64_t> molecule_row;
  for (size_t i = 0; i < ids->size(); ++i) {
    molecule_row[(*ids)[i]] = static_cast<int64_t>(i);
  }
  std::map<std::string, std::vector<int64_t>> rows;  // split -> well rows
  std::vector<std::string> names;                    // plate/well
  for (int64_t r = 0; r < wells.rows(); ++r) {
    names.push_back(absl::StrCat((*plate)[static_cast<size_t>(r)], "/",
                                 (*well)[static_cast<size_t>(r)]));
  }
  for (int64_t r = 0; r < wells.rows(); ++r) {
    if ((*control)[static_cast<size_t>(r)] != "0") continue;
    if (plates != nullptr && !plates->count((*plate)[static_cast<size_t>(r)])) {
      continue;
    }
    const std::string& c = (*compound)[static_cast<size_t>(r)];
    const std::string split = held_out == nullptr  ? "all"
                              : held_out->count(c) ? "held_out"
                                                   : "seen";
    rows[split].push_back(r);
  }
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        wells.path + ": no treated wells (Metadata_Control 0) to retrieve" +
        (plates != nullptr ? " on the given plates" : ""));
  }
  MethodRetrieval out;
  out.name = name;
  out.folder = folder;
  for (const char* split : {"all", "seen", "held_out"}) {
    if (!rows.count(split)) continue;
    MICON_ASSIGN_OR_RETURN(RetrievalSplit s,
                           RankSplit(split, wells, rows.at(split), *compound,
                                     names, molecule_row, molecules));
    out.splits.push_back(std::move(s));
  }
  return out;
}

namespace {

struct Direction {
  const char* name;
  const RetrievalResult RetrievalSplit::*result;
};
constexpr Direction kDirections[] = {
    {"molecule_to_well", &RetrievalSplit::molecule_to_well},
    {"well_to_molecule", &RetrievalSplit::well_to_molecule}};

}  // namespace

std::string RetrievalTable(const std::vector<MethodRetrieval>& methods) {
  std::string out = absl::StrFormat(
      "%-12s %-9s %-17s %7s %10s %7s %7s %7s %9s   chance: %5s %5s %5s %9s\n",
      "method", "split", "direction", "queries", "candidates", "R@1", "R@5",
      "R@10", "mean_rank", "R@1", "R@5", "R@10", "mean_rank");
  for (const MethodRetrieval& m : methods) {
    for (const RetrievalSplit& s : m.splits) {
      for (const Direction& d : kDirections) {
        const RetrievalResult& r = s.*(d.result);
        const auto recall = r.Recall(), chance = r.ChanceRecall();
        absl::StrAppendFormat(
            &out,
            "%-12s %-9s %-17s %7d %10d %7.4f %7.4f %7.4f %9.2f   chance: "
            "%.3f %.3f %.3f %9.2f\n",
            m.name, s.name, d.name, r.queries(), r.candidates, recall[0],
            recall[1], recall[2], r.MeanRank(), chance[0], chance[1], chance[2],
            r.ChanceMeanRank());
      }
    }
  }
  return out;
}

absl::Status WriteRetrievalReport(const std::vector<MethodRetrieval>& methods,
                                  const std::string& folder) {
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder));
  const std::vector<std::string> header = {
      "method",          "split",      "direction",  "queries",
      "candidates",      "R@1",        "R@5",        "R@10",
      "mean_rank",       "chance_R@1", "chance_R@5", "chance_R@10",
      "chance_mean_rank"};
  std::vector<std::vector<std::string>> summary;
  for (const MethodRetrieval& m : methods) {
    std::vector<std::vector<std::string>> queries;
    for (const RetrievalSplit& s : m.splits) {
      for (const Direction& d : kDirections) {
        const RetrievalResult& r = s.*(d.result);
        const auto recall = r.Recall(), chance = r.ChanceRecall();
        auto g = [](double v) { return absl::StrFormat("%.17g", v); };
        summary.push_back({m.name, s.name, d.name, absl::StrCat(r.queries()),
                           absl::StrCat(r.candidates), g(recall[0]),
                           g(recall[1]), g(recall[2]), g(r.MeanRank()),
                           g(chance[0]), g(chance[1]), g(chance[2]),
                           g(r.ChanceMeanRank())});
        const bool from_molecule =
            d.result == &RetrievalSplit::molecule_to_well;
        for (int64_t q = 0; q < r.queries(); ++q) {
          const int64_t row = r.query[static_cast<size_t>(q)];
          const std::string query = from_molecule
                                        ? s.compounds[static_cast<size_t>(row)]
                                        : s.wells[static_cast<size_t>(row)];
          const std::string& compound =
              from_molecule ? query
                            : s.well_compounds[static_cast<size_t>(row)];
          const auto& hit = r.chance_hit[static_cast<size_t>(q)];
          queries.push_back({s.name, d.name, query, compound,
                             absl::StrCat(r.rank[static_cast<size_t>(q)]),
                             g(hit[0]), g(hit[1]), g(hit[2]),
                             g(r.chance_rank[static_cast<size_t>(q)])});
        }
      }
    }
    MICON_RETURN_IF_ERROR(WriteCsv(
        (fs::path(folder) / ("retrieval_queries_" + m.name + ".csv")).string(),
        {"split", "direction", "query", "compound", "rank", "chance_R@1",
         "chance_R@5", "chance_R@10", "chance_mean_rank"},
        queries));
  }
  return WriteCsv((fs::path(folder) / "retrieval.csv").string(), header,
                  summary);
}

}  // namespace micon
