#include "parse/names.hpp"

#include <cstdio>

namespace netlab {

namespace {

bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string byte_hex(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Why byte `c` may not appear in a name, or "" when it may. The kernel's own
// rule (dev_valid_name) refuses only '/', ':' and whitespace; the rest is
// refused because these names reach other programs as text: dhclient takes
// the interface as its last argument, dnsmasq as --interface= (where ',' is a
// list and '*' a wildcard), nftables as an oifname string (where '*' is a
// wildcard), the kernel expands '%d' in a new link's name, and namespace
// names become path components under the lab's state directory. An allowed
// set is safer than a refused one: ASCII letters, digits, '-', '_' and '.'
// cover every real device name (eth0, veth-r, eth0.100, br_int).
std::string char_problem(unsigned char c) {
  if (is_alnum(c) || c == '-' || c == '_' || c == '.') return "";
  switch (c) {
    case '/':
      return "contains '/'";
    case ':':
      return "contains ':', which separates NAME:IF in endpoints";
    case ',':
      return "contains ',', which dnsmasq reads as a list separator";
    case '*':
    case '?':
    case '[':
    case ']':
      return std::string("contains '") + static_cast<char>(c) +
             "', which dnsmasq and nftables read as a wildcard pattern";
    case '%':
      return "contains '%', which the kernel expands in a new link's name (eth%d)";
    case '=':
      return "contains '=', which an option parser reads as OPTION=VALUE";
    case '"':
    case '\'':
    case '`':
    case '\\':
      return std::string("contains the quote or escape character ") + static_cast<char>(c) +
             ", which a config file or shell reads as quoting";
    default:
      break;
  }
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
    return "contains whitespace";
  if (c < 0x20 || c == 0x7f) return "contains the control character " + byte_hex(c);
  if (c >= 0x80) return "contains the non-ASCII byte " + byte_hex(c);
  return std::string("contains '") + static_cast<char>(c) + "'";
}

constexpr const char* kAllowed =
    "; names use only ASCII letters, digits, '-', '_' and '.', and start with a letter or digit";

// Problems shared by interface and namespace names.
std::optional<std::string> common_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "may not be '.' or '..'";
  for (unsigned char c : name) {
    std::string p = char_problem(c);
    if (!p.empty()) return p + kAllowed;
  }
  unsigned char first = static_cast<unsigned char>(name.front());
  if (first == '-') {
    return std::string("starts with '-', which dhclient and other programs read as an option") +
           kAllowed;
  }
  if (!is_alnum(first)) {
    return std::string("starts with '") + static_cast<char>(first) + "'" + kAllowed;
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
