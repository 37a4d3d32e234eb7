// "did you mean ...?" for unknown keys and unresolved names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netlab {

/// Optimal-string-alignment distance (insert, delete, substitute, swap neighbours).
int edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely typo
/// (distance 1 for words of up to 3 characters, else up to 2), else nullopt.
/// Ties go to the earliest candidate.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" or "" — ready to append to a message.
std::string hint(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace netlab
