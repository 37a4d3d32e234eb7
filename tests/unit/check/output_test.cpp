// The result formats: table, JUnit XML (well-formed per xmllint), JSON.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>

#include "netlab/check.hpp"
#include "support/system.hpp"

using namespace netlab;

namespace {

std::vector<CheckResult> sample() {
  CheckResult ok{"ping red -> dhcp-r:tap-r (10.20.30.2)",
                 true,
                 "reply from 10.20.30.2",
                 "1/1 replies, rtt 0.05 ms",
                 "rtt 0.05 ms (10.20.30.2)",
                 0.012,
                 SourcePos{"lab.yaml", 12, 5},
                 {{"sent", 1}, {"received", 1}, {"rtt_avg_ms", 0.05}}};
  CheckResult bad{"tcp <host> & \"friends\" -> 'x' port 1",
                  false,
                  "connection to a<b accepted",
                  "connect: Connection refused (ECONNREFUSED)\nsecond\x01line",
                  "",
                  0.5,
                  SourcePos{"lab.yaml", 14, 5},
                  {}};
  CheckResult lease{
      "lease red:eth0-r from dhcp-r", true, "a lease", "lease", "10.20.30.57", 0.001, {}, {}};
  return {ok, bad, lease};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("table: one row per assertion, the summary as the last line") {
  auto text = format_results_table(sample(), false);
  CHECK(text.back() == '\n');
  auto body = text.substr(0, text.size() - 1);
  auto last = body.substr(body.rfind('\n') + 1);
  CHECK(last == "2 passed, 1 failed");
  CHECK(count(text, "\n") == 5);  // header + 3 rows + summary
  CHECK(count(text, "PASS") == 2);
  CHECK(count(text, "FAIL") == 1);
  CHECK(text.find("expected connection to a<b accepted, got: connect: Connection refused "
                  "(ECONNREFUSED) second") != std::string::npos);
  CHECK(text.find("(lab.yaml:14:5)") != std::string::npos);
  CHECK(text.find("\033[") == std::string::npos);

  CHECK(format_results_table({}, false) == "ASSERTION  RESULT  DETAIL\n0 passed, 0 failed\n");
  auto colored = format_results_table(sample(), true);
  CHECK(colored.find("\033[32mPASS\033[0m") != std::string::npos);
  CHECK(colored.find("\033[31mFAIL\033[0m") != std::string::npos);
}

TEST_CASE("JUnit XML: one testsuite, a testcase per assertion, failures with expected/actual") {
  auto results = sample();
  auto xml = junit_xml("demo<&>", results);
  CHECK(count(xml, "<testsuite ") == 1);
  CHECK(count(xml, "<testcase ") == results.size());
  CHECK(count(xml, "<failure ") == 1);
  CHECK(xml.find("name=\"demo&lt;&amp;&gt;\" tests=\"3\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("classname=\"demo&lt;&amp;&gt;\" name=\"ping red -&gt; dhcp-r:tap-r "
                 "(10.20.30.2)\"") != std::string::npos);
  CHECK(xml.find("tcp &lt;host&gt; &amp; &quot;friends&quot; -&gt; &#39;x&#39;") !=
        std::string::npos);
  CHECK(xml.find("expected: connection to a&lt;b accepted&#10;actual: connect") !=
        std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);

  // Well-formed according to a real XML parser, when one is installed.
  if (access("/usr/bin/xmllint", X_OK) == 0) {
    char tmpl[] = "/tmp/netlab-junit-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(tmpl) << xml;
    auto out = netlab::testing::run({"xmllint", "--noout", tmpl});
    CHECK(out.exit_code == 0);
    auto n = netlab::testing::run({"xmllint", "--xpath", "count(/testsuite/testcase)", tmpl});
    CHECK(n.text.substr(0, n.text.find_last_not_of("\n") + 1) == "3");
    auto f = netlab::testing::run(
        {"xmllint", "--xpath", "string(/testsuite/testcase[2]/failure/@message)", tmpl});
    CHECK(f.text.find("expected connection to a<b accepted, got: connect: Connection refused") ==
          0);
    // The measured figures, as properties of their test case only.
    auto p = netlab::testing::run(
        {"xmllint", "--xpath",
         "string(/testsuite/testcase[1]/properties/property[@name='rtt_avg_ms']/@value)", tmpl});
    CHECK(p.text.substr(0, p.text.find_last_not_of("\n") + 1) == "0.05");
    auto np = netlab::testing::run(
        {"xmllint", "--xpath", "count(/testsuite/testcase/properties/property)", tmpl});
    CHECK(np.text.substr(0, np.text.find_last_not_of("\n") + 1) == "3");
    std::remove(tmpl);
  } else {
    WARN("xmllint not installed: XML well-formedness not checked");
  }
}

TEST_CASE("JUnit XML of no results is still a document") {
  auto xml = junit_xml("empty", {});
  CHECK(xml.find("tests=\"0\" failures=\"0\"") != std::string::npos);
  CHECK(xml.find("</testsuite>") != std::string::npos);
}

TEST_CASE("results as JSON") {
  auto j = results_json("demo", sample());
  CHECK(j["lab"] == "demo");
  CHECK(j["passed"] == 2);
  CHECK(j["failed"] == 1);
  REQUIRE(j["results"].size() == 3);
  CHECK(j["results"][0]["name"] == "ping red -> dhcp-r:tap-r (10.20.30.2)");
  CHECK(j["results"][0]["position"] == "lab.yaml:12:5");
  CHECK(j["results"][1]["passed"] == false);
  CHECK(j["results"][1]["expected"] == "connection to a<b accepted");
  CHECK(j["results"][2]["position"].is_null());
  CHECK(j["results"][0]["measured"] ==
        nlohmann::json{{"sent", 1}, {"received", 1}, {"rtt_avg_ms", 0.05}});
  CHECK(j["results"][1]["measured"] == nlohmann::json::object());
}

TEST_CASE("a failed assertion's captures: JUnit attachments and JSON") {
  auto results = sample();
  results[1].detail = "rtt <none>";
  results[1].captures = {"/ci/out/02-tcp.red.eth0.pcap", "caps/02-tcp&x.blue.eth0.pcap"};
  auto xml = junit_xml("demo", results);
  // Each on a line of its own, nothing before or after: how the readers find them.
  CHECK(xml.find("<system-out>\nrtt &lt;none&gt;\n[[ATTACHMENT|/ci/out/02-tcp.red.eth0.pcap]]\n"
                 "[[ATTACHMENT|caps/02-tcp&amp;x.blue.eth0.pcap]]\n</system-out>") !=
        std::string::npos);
  CHECK(count(xml, "[[ATTACHMENT|") == 2);
  if (access("/usr/bin/xmllint", X_OK) == 0) {
    char tmpl[] = "/tmp/netlab-junit-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(tmpl) << xml;
    auto out = netlab::testing::run(
        {"xmllint", "--xpath", "string(/testsuite/testcase[2]/system-out)", tmpl});
    CHECK(out.text.find("\n[[ATTACHMENT|caps/02-tcp&x.blue.eth0.pcap]]\n") != std::string::npos);
    std::remove(tmpl);
  }
  auto j = results_json("demo", results);
  CHECK(j["results"][1]["captures"] ==
        nlohmann::json{"/ci/out/02-tcp.red.eth0.pcap", "caps/02-tcp&x.blue.eth0.pcap"});
  CHECK(j["results"][0]["captures"] == nlohmann::json::array());
}
