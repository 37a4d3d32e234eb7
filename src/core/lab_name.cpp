#include "core/lab_name.hpp"

#include <cerrno>

namespace netlab {

bool is_lab_charset(std::string_view s) {
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::optional<std::string> lab_name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (!is_lab_charset(name)) return "may contain only a-z, 0-9 and '-'";
  if (name.size() > kLabNameMax) {
    return "is " + std::to_string(name.size()) + " characters; at most " +
           std::to_string(kLabNameMax) + " are allowed";
  }
  if (name == kReservedLabName) {
    // Its OVS rows would be swept as probe leftovers by any other netlab.
    return std::string("is reserved: netlab marks its OVS datapath probe bridges with it");
  }
  return std::nullopt;
}

Status check_lab_name(std::string_view name, std::string_view source) {
  auto problem = lab_name_problem(name);
  if (!problem) return {};
  return Error{
      ErrorKind::InvalidTopology,
      std::string(source) + " '" + std::string(name) + "' " + *problem + "; " + kLabNameRule,
      {},
      EINVAL};
}

}  // namespace netlab
