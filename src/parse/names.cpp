#include "parse/names.hpp"

#include <cctype>

namespace netlab {

namespace {

// Problems shared by interface and namespace names (both become file names or
// kernel names where '/' and whitespace break things, and ':' is our NAME:IF separator).
std::optional<std::string> common_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "may not be '.' or '..'";
  for (char c : name) {
    if (c == '/') return "contains '/'";
    if (c == ':') return "contains ':', which separates NAME:IF in endpoints";
    if (std::isspace(static_cast<unsigned char>(c))) return "contains whitespace";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ifname_problem(std::string_view name) {
  if (auto p = common_problem(name)) return p;
  if (name.size() > kIfNameMax) {
    return "is " + std::to_string(name.size()) + " characters; Linux allows " +
           std::to_string(kIfNameMax);
  }
  return std::nullopt;
}

std::optional<std::string> netns_problem(std::string_view name) {
  if (auto p = common_problem(name)) return p;
  if (name.size() > kNetnsNameMax) {
    return "is " + std::to_string(name.size()) + " characters; at most " +
           std::to_string(kNetnsNameMax) + " are allowed";
  }
  return std::nullopt;
}

}  // namespace netlab
