// How long something took or will take, as people read it in a log line.
#ifndef MICON_CORE_DURATION_TEXT_H_
#define MICON_CORE_DURATION_TEXT_H_

#include <string>

namespace micon {

// "12.5s", "4m12s", "1h03m"; "?" for a negative or non-finite time.
std::string FormatDuration(double seconds);

}  // namespace micon

#endif  // MICON_CORE_DURATION_TEXT_H_
