// Small text helpers shared by the areas' messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netlab {

/// "a, b, c" (items joined by `separator`); "" for none.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

/// `text` with every control byte but tab (and newline, when `keep_newlines`)
/// written as \xNN: a hostile topology's names reach error messages, and an
/// ESC sequence there would drive the terminal or CI log that shows them.
std::string printable(std::string_view text, bool keep_newlines = true);

/// `text` escaped for XML 1.0 character data and attribute values (either
/// quote): & < > " ' as references, tab and CR as character references (an
/// attribute value would otherwise normalise them to spaces), a newline as
/// `newline` ("&#10;"; an HTML-like Graphviz label wants "<BR/>"), and the
/// control bytes XML 1.0 cannot carry at all (below 0x20, and DEL) as '?'.
std::string xml_escape(std::string_view text, std::string_view newline = "&#10;");

/// A hash of `text` to tell whether two texts differ (FNV-1a, 64 bits, as 16
/// hex digits). Not cryptographic: it detects edits, it does not authenticate.
std::string text_hash(std::string_view text);

}  // namespace netlab
