// enum_names.h: the one table that spells an enum's values as text, so that
// a configuration key, a command-line flag and a log line all use the same
// words and a value is parsed from its text in exactly one place.
//
//   inline constexpr EnumName<Objective> kObjectiveNames[] = {
//       {"micon", Objective::kMicon}, {"paclr", Objective::kPaclr}};
//   std::optional<Objective> o = ParseEnum(kObjectiveNames, "paclr");
//   const char* name = EnumText(kObjectiveNames, Objective::kPaclr);  // "paclr"
//   std::string choices = EnumChoices(kObjectiveNames);  // "micon, paclr"
//
// Tables live beside their enum; the configuration schema
// (launch/train/config_schema.cc) and the flags read them.
#ifndef MICON_CORE_ENUM_NAMES_H_
#define MICON_CORE_ENUM_NAMES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace micon {

template <typename E>
struct EnumName {
  const char* name;
  E value;
};

template <typename E, size_t N>
std::optional<E> ParseEnum(const EnumName<E> (&names)[N],
                           std::string_view text) {
  for (const EnumName<E>& n : names) {
    if (text == n.name) return n.value;
  }
  return std::nullopt;
}

// "?" for a value the table does not list (a table missing a value is a bug
// the enum tests catch).
template <typename E, size_t N>
const char* EnumText(const EnumName<E> (&names)[N], E value) {
  for (const EnumName<E>& n : names) {
    if (n.value == value) return n.name;
  }
  return "?";
}

// The names in table order, comma-separated: for "must be one of ..." errors.
template <typename E, size_t N>
std::string EnumChoices(const EnumName<E> (&names)[N]) {
  std::string out;
  for (const EnumName<E>& n : names) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

}  // namespace micon

#endif  // MICON_CORE_ENUM_NAMES_H_
