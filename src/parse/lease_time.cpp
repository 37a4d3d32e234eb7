#include <climits>

#include "parse/sections.hpp"

namespace netlab {

std::optional<int> parse_lease_time(std::string_view text) {
  if (text == "infinite") return kInfiniteLease;
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    long long n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > INT_MAX) return std::nullopt;
      ++i;
    }
    long long unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'w':
          unit = 604800;
          break;
        default:
          return std::nullopt;
      }
      ++i;
    }
    total += n * unit;
    if (total > INT_MAX) return std::nullopt;
  }
  // "1h30" (a unitless number after a unit) is ambiguous: reject it.
  char last = text.back();
  if (last >= '0' && last <= '9') {
    for (char c : text)
      if (c < '0' || c > '9') return std::nullopt;
  }
  return static_cast<int>(total);
}

}  // namespace netlab
