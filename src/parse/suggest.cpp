#include "parse/suggest.hpp"

#include <algorithm>

namespace netlab {

int edit_distance(std::string_view a, std::string_view b) {
  // Long inputs cannot be typos of our short keys; bound the quadratic work.
  if (a.size() > 64 || b.size() > 64) return 1000;
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  const int limit = word.size() <= 3 ? 1 : 2;
  std::optional<std::string> best;
  int best_d = limit + 1;
  for (const auto& c : candidates) {
    if (c == word) continue;
    int d = edit_distance(word, c);
    // A distance equal to the candidate's length means "nothing in common".
    if (d < best_d && d < static_cast<int>(c.size())) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string hint(std::string_view word, const std::vector<std::string>& candidates) {
  auto s = did_you_mean(word, candidates);
  return s ? "; did you mean '" + *s + "'?" : "";
}

}  // namespace netlab
