// Issue 10, defect 4: interface, bridge and namespace names follow the
// kernel's rule for device names and contain nothing a daemon reads as an
// option, a list or a pattern.
#include "parse/names.hpp"

#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace {

bool refused(std::string_view name, const std::string& reason) {
  auto p = ifname_problem(name);
  INFO("'" << std::string(name) << "': " << (p ? *p : "accepted"));
  return p && p->find(reason) != std::string::npos;
}

}  // namespace

TEST_CASE("names accept what real devices are called", "[parse][names]") {
  for (const char* ok :
       {"eth0", "veth-r", "eth0.100", "br_int", "tap-r", "E1", "a", "x15-characters"})
    CHECK_FALSE(ifname_problem(ok));
  CHECK_FALSE(netns_problem(std::string(255, 'n')));
}

TEST_CASE("names that a daemon reads as an option, list or pattern are refused", "[parse][names]") {
  CHECK(refused("-x", "starts with '-'"));
  CHECK(refused("--help", "starts with '-'"));
  CHECK(refused("a,b", "list separator"));
  CHECK(refused("e*", "wildcard"));
  CHECK(refused("e?", "wildcard"));
  CHECK(refused("e[0]", "wildcard"));
  CHECK(refused("eth%d", "expands"));
  CHECK(refused("a=b", "OPTION=VALUE"));
  CHECK(refused("a\"b", "quot"));
  CHECK(refused("a'b", "quot"));
  CHECK(refused("a\\b", "quot"));
  CHECK(refused("a`b", "quot"));
  CHECK(refused(std::string_view("a\0b", 3), "control character 0x00"));
  CHECK(
      refused("a\x01"
              "b",
              "control character 0x01"));
  CHECK(refused("a\x7f", "control character 0x7f"));
  CHECK(refused("\xc3\xa9th0", "non-ASCII byte 0xc3"));
  CHECK(refused("a b", "whitespace"));
  CHECK(refused("a\tb", "whitespace"));
  CHECK(refused("a/b", "'/'"));
  CHECK(refused("a:b", "':'"));
  CHECK(refused("a+", "'+'"));
  CHECK(refused(".x", "starts with '.'"));
  CHECK(refused("_x", "starts with '_'"));
  CHECK(refused("..", "'.' or '..'"));
  CHECK(refused(".", "'.' or '..'"));
  CHECK(refused("", "is empty"));
  CHECK(refused("sixteen-chars-xx", "Linux allows 15"));
  // Every refusal says what is allowed.
  CHECK(ifname_problem("a,b")->find("letters, digits, '-', '_' and '.'") != std::string::npos);
  // Namespaces follow the same rule, only longer.
  CHECK(netns_problem("-x"));
  CHECK(netns_problem("a*"));
  CHECK(netns_problem(std::string(256, 'n')));
}

TEST_CASE("nat out follows the interface name rule at validate", "[parse][names]") {
  auto r = parse_topology("host:\n  nat:\n    - {source: 10.0.0.0/24, out: \"eth*\"}\n", "n.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].where.line == 3);
  CHECK(r.errors[0].where.column == 34);
  CHECK(r.errors[0].message.find("wildcard") != std::string::npos);
}
