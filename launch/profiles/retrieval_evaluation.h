// retrieval_evaluation.h: cross-modal retrieval of a model trained against
// molecules (clip, cellclip), from what `micon embed` wrote for it
// (retrieval_projections.h), as `micon evaluate --retrieval` reports it.
//
//   MICON_ASSIGN_OR_RETURN(MethodRetrieval r,
//       EvaluateRetrieval("cellclip", "emb/cellclip", &held_out));
//   std::fputs(RetrievalTable({r}).c_str(), stdout);
//   MICON_RETURN_IF_ERROR(WriteRetrievalReport({r}, "eval"));
//
// Queries are treated wells (Metadata_Control 0) and the compounds they
// hold. With a held-out list, compounds split into seen (trained on) and
// held_out, and each split is ranked among its own compounds and wells only,
// as CellCLIP's retrieval does; without one, everything is one split, all.
// Both directions (core/metrics/cross_modal_retrieval.h) with chance beside
// them. The report's folder holds retrieval.csv (one row per method, split
// and direction) and retrieval_queries_<method>.csv (every query with its
// compound, rank and chance, for intervals over seeds and compounds).
#ifndef MICON_LAUNCH_PROFILES_RETRIEVAL_EVALUATION_H_
#define MICON_LAUNCH_PROFILES_RETRIEVAL_EVALUATION_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/metrics/cross_modal_retrieval.h"

namespace micon {

struct RetrievalSplit {
  std::string name;                         // seen, held_out or all
  std::vector<std::string> compounds;       // the split's candidates, by label
  std::vector<std::string> wells;           // "plate/well" of each well query
  std::vector<std::string> well_compounds;  // and its compound
  RetrievalResult molecule_to_well;
  RetrievalResult well_to_molecule;
};

struct MethodRetrieval {
  std::string name;
  std::string folder;
  std::vector<RetrievalSplit> splits;
};

// `held_out`: null for one split of everything. `plates`: when not null,
// only wells of these plates (Metadata_Plate) take part, as queries and as
// candidates (e.g. screen.json's held_out_plates: plates no model saw).
absl::StatusOr<MethodRetrieval> EvaluateRetrieval(
    const std::string& name, const std::string& folder,
    const std::set<std::string>* held_out,
    const std::set<std::string>* plates = nullptr);

std::string RetrievalTable(const std::vector<MethodRetrieval>& methods);

absl::Status WriteRetrievalReport(const std::vector<MethodRetrieval>& methods,
                                  const std::string& folder);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_RETRIEVAL_EVALUATION_H_
