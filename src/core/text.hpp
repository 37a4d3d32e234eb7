// Small text helpers shared by the areas' messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netlab {

/// "a, b, c" (items joined by `separator`); "" for none.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace netlab
