// format_results_table: the human-readable result of `netlab test`.
#include <algorithm>

#include "netlab/check.hpp"

namespace netlab {

namespace {

std::string paint(const std::string& text, const char* ansi, bool color) {
  return color ? std::string("\033[") + ansi + "m" + text + "\033[0m" : text;
}

std::string pad(const std::string& s, std::size_t width) {
  return s + std::string(width - std::min(width, s.size()), ' ');
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

}  // namespace

std::string format_results_table(const std::vector<CheckResult>& results, bool color) {
  std::size_t width = 9;  // "ASSERTION"
  for (const auto& r : results) width = std::max(width, r.name.size());
  std::string out = pad("ASSERTION", width) + "  RESULT  DETAIL\n";
  std::size_t passed = 0, failed = 0, skipped = 0;
  for (const auto& r : results) {
    std::string detail;
    if (r.skipped) {
      ++skipped;
      out += pad(r.name, width) + "  " + paint("SKIP", "33", color) + "    " + one_line(r.detail) +
             "\n";
      continue;
    }
    if (r.passed) {
      ++passed;
      detail = r.detail;
    } else {
      ++failed;
      detail = "expected " + r.expected + ", got: " + r.actual;
      if (r.pos.known()) detail += " (" + r.pos.str() + ")";
    }
    std::string verdict = r.passed ? paint("PASS", "32", color) : paint("FAIL", "31", color);
    out += pad(r.name, width) + "  " + verdict + "    " + one_line(detail) + "\n";
  }
  std::string summary = std::to_string(passed) + " passed, " + std::to_string(failed) + " failed";
  if (skipped) summary += ", " + std::to_string(skipped) + " skipped (on other machines)";
  out += paint(summary, failed ? "31" : "32", color) + "\n";
  return out;
}

}  // namespace netlab
