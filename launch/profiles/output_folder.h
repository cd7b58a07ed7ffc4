// output_folder.h: the folder a command writes its results into, created
// with its parents; the error names it.
//
//   MICON_RETURN_IF_ERROR(CreateOutputFolder("out/profiles"));
#ifndef MICON_LAUNCH_PROFILES_OUTPUT_FOLDER_H_
#define MICON_LAUNCH_PROFILES_OUTPUT_FOLDER_H_

#include <string>

#include "absl/status/status.h"

namespace micon {

absl::Status CreateOutputFolder(const std::string& folder);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_OUTPUT_FOLDER_H_
