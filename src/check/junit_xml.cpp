// junit_xml: results as a JUnit report for CI systems.
#include <cstdio>

#include "netlab/check.hpp"

namespace netlab {

namespace {

/// Escapes text for attribute values and character data. Control characters
/// that XML 1.0 forbids (everything below 0x20 but tab, LF, CR) become '?'.
std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out += (c < 0x20 || c == 0x7f) ? '?' : ch;
    }
  }
  return out;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

}  // namespace

std::string junit_xml(const std::string& lab, const std::vector<CheckResult>& results) {
  std::size_t failures = 0;
  double total = 0;
  for (const auto& r : results) {
    if (!r.passed) ++failures;
    total += r.seconds;
  }
  std::string lab_attr = xml_escape(lab);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuite name=\"" + lab_attr + "\" tests=\"" + std::to_string(results.size()) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" time=\"" +
         seconds_text(total) + "\">\n";
  for (const auto& r : results) {
    out += "  <testcase classname=\"" + lab_attr + "\" name=\"" + xml_escape(r.name) +
           "\" time=\"" + seconds_text(r.seconds) + "\"";
    if (r.pos.known())
      out += " file=\"" + xml_escape(r.pos.file) + "\" line=\"" + std::to_string(r.pos.line) + "\"";
    out += ">\n";
    if (!r.passed) {
      std::string message = "expected " + r.expected + ", got: " + r.actual;
      std::string body = "expected: " + r.expected + "\nactual: " + r.actual;
      if (r.pos.known()) body += "\nat: " + r.pos.str();
      out += "    <failure message=\"" + xml_escape(message) + "\" type=\"AssertionFailed\">" +
             xml_escape(body) + "</failure>\n";
    }
    if (!r.detail.empty()) out += "    <system-out>" + xml_escape(r.detail) + "</system-out>\n";
    out += "  </testcase>\n";
  }
  out += "</testsuite>\n";
  return out;
}

}  // namespace netlab
