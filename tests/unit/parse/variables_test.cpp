// ${NAME} and ${NAME:-default} in scalar values (issue 14): expanded before
// any section reads the tree, so every rule sees the value; errors at the
// reference's own LINE:COL.
#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace {

// Inside a flow collection ({...}, [...]) a value with ${...} must be
// quoted: '}' ends the flow map. In block style it may stay plain.
const char* kText = R"(name: ${LAB:-vars}
namespaces:
  app:
    interfaces:
      eth0:
        addresses:
          - ${NET}.2/24
    routes:
      - to: default
        via: "${NET}.1"
links:
  - [app:eth0, host:h]
host:
  interfaces:
    h: {addresses: ["${NET}.1/24"]}
)";

}  // namespace

TEST_CASE("variables take their value, or their default", "[parse][variables]") {
  auto r = parse_topology(kText, "v.yaml", {{"NET", "10.88.3"}});
  INFO((r.errors.empty() ? "" : r.errors.front().str()));
  REQUIRE(r.ok());
  CHECK(r.topology->name == "vars");
  REQUIRE(r.topology->namespaces.size() == 1);
  CHECK(r.topology->namespaces[0].interfaces[0].addresses[0].value.str() == "10.88.3.2/24");
  CHECK(r.topology->host.interfaces[0].addresses[0].value.str() == "10.88.3.1/24");

  auto named = parse_topology(kText, "v.yaml", {{"NET", "10.88.4"}, {"LAB", "other"}});
  REQUIRE(named.ok());
  CHECK(named.topology->name == "other");
}

TEST_CASE("an undefined variable is an error at its position", "[parse][variables]") {
  auto r = parse_topology(kText, "v.yaml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 3);
  // Plain: the reference's own column; quoted: the scalar's position.
  CHECK(r.errors[0].where.line == 7);
  CHECK(r.errors[0].where.column == 13);
  CHECK(r.errors[1].where.line == 10);
  CHECK(r.errors[1].where.column == 14);
  CHECK(r.errors[2].where.line == 15);
  CHECK(r.errors[2].where.column == 21);
  CHECK_THAT(r.errors[0].message, Catch::Contains("variable 'NET' is not defined") &&
                                      Catch::Contains("--var NET=VALUE") &&
                                      Catch::Contains("NETLAB_VAR_NET"));
}

TEST_CASE("no other expansion: $$, command substitution and malformed references",
          "[parse][variables]") {
  // "$${" is a literal "${"; "$(...)" and a lone "$" stay as written.
  auto lit = parse_topology("name: x\ntests:\n  - ping: {from: a, to: \"$${X}\"}\n", "l.yaml");
  REQUIRE_FALSE(lit.ok());  // the target is not an address: but it is the literal text
  CHECK_THAT(lit.errors.back().message, Catch::Contains("${X}"));
  auto cmd = parse_topology("name: $(id)\n", "c.yaml");
  REQUIRE_FALSE(cmd.ok());
  CHECK_THAT(cmd.errors.front().message, Catch::Contains("lab name '$(id)'"));
  for (const char* bad : {"name: ${}\n", "name: ${1X}\n", "name: ${X\n", "name: ${X-y}\n"}) {
    INFO(bad);
    auto r = parse_topology(bad, "m.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.errors.front().message, Catch::Contains("malformed variable reference"));
    CHECK(r.errors.front().where.line == 1);
    CHECK(r.errors.front().where.column == 7);
  }
}
