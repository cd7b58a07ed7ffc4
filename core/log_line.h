// log_line.h: the one shape of the lines micon writes to stderr about a
// process, so that a multi-node log reads the same from every rank and
// layer (the main's catch site, the run's warnings, the watchdogs that end a
// job from their own thread):
//
//   micon [rank 1/4] error: rank 1: all_reduce #3 (4.0 kB) did not complete ...
//   micon error: cannot open ...            (world 1: no ranks to tell apart)
//
//   WriteLogLine("warning", "loss is NaN at step 12", rank, world_size);
#ifndef MICON_CORE_LOG_LINE_H_
#define MICON_CORE_LOG_LINE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace micon {

// "micon [rank R/W] LEVEL: MESSAGE" at world_size > 1, else
// "micon LEVEL: MESSAGE"; no newline.
std::string LogLine(absl::string_view level, absl::string_view message,
                    int rank, int world_size);

// Writes LogLine and a newline to stderr in one call, then flushes, so that
// lines of ranks sharing a terminal or log file never interleave mid-line
// and a line written just before the process ends is not lost.
void WriteLogLine(absl::string_view level, absl::string_view message, int rank,
                  int world_size);

}  // namespace micon

#endif  // MICON_CORE_LOG_LINE_H_
