// junit_xml: results as a JUnit report for CI systems.
#include <cstdio>

#include "core/text.hpp"
#include "netlab/check.hpp"

namespace netlab {

namespace {

/// A figure as it reads: "200", "30", "0.052", "9410000000".
std::string value_text(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

}  // namespace

std::string junit_xml(const std::string& lab, const std::vector<CheckResult>& results) {
  std::size_t failures = 0, skipped = 0;
  double total = 0;
  for (const auto& r : results) {
    if (r.skipped) ++skipped;
    if (!r.passed && !r.skipped) ++failures;
    total += r.seconds;
  }
  std::string lab_attr = xml_escape(lab);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuite name=\"" + lab_attr + "\" tests=\"" + std::to_string(results.size()) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\"" +
         (skipped ? " skipped=\"" + std::to_string(skipped) + "\"" : std::string()) + " time=\"" +
         seconds_text(total) + "\">\n";
  for (const auto& r : results) {
    out += "  <testcase classname=\"" + lab_attr + "\" name=\"" + xml_escape(r.name) +
           "\" time=\"" + seconds_text(r.seconds) + "\"";
    if (r.pos.known())
      out += " file=\"" + xml_escape(r.pos.file) + "\" line=\"" + std::to_string(r.pos.line) + "\"";
    out += ">\n";
    if (!r.measured.empty()) {
      out += "    <properties>\n";
      for (const auto& m : r.measured)
        out += "      <property name=\"" + xml_escape(m.name) + "\" value=\"" +
               value_text(m.value) + "\"/>\n";
      out += "    </properties>\n";
    }
    if (r.skipped) {
      out += "    <skipped message=\"" + xml_escape(r.detail) + "\"/>\n";
    } else if (!r.passed) {
      std::string message = "expected " + r.expected + ", got: " + r.actual;
      std::string body = "expected: " + r.expected + "\nactual: " + r.actual;
      if (r.pos.known()) body += "\nat: " + r.pos.str();
      out += "    <failure message=\"" + xml_escape(message) + "\" type=\"AssertionFailed\">" +
             xml_escape(body) + "</failure>\n";
    }
    std::string system_out = xml_escape(r.detail);
    // One [[ATTACHMENT|path]] a line with nothing else on it (the start and
    // end tags on lines of their own too): what Jenkins' and GitLab's JUnit
    // readers look for.
    if (!r.captures.empty()) {
      system_out = "\n" + (system_out.empty() ? "" : system_out + "\n");
      for (const auto& path : r.captures) system_out += "[[ATTACHMENT|" + xml_escape(path) + "]]\n";
    }
    if (!system_out.empty()) out += "    <system-out>" + system_out + "</system-out>\n";
    out += "  </testcase>\n";
  }
  out += "</testsuite>\n";
  return out;
}

}  // namespace netlab
