// `services:` of a namespace: every key read with its position, the prefix
// applied to a lease in `after`, and what the validator refuses.
#include <catch2/catch.hpp>

#include "parse/parse.hpp"

using namespace netlab;

namespace {

const char* kServices = R"(name: sv
namespaces:
  web:
    interfaces:
      eth0: {dhcp: true}
    services:
      db:
        command: [sleep, "100"]
      http:
        command: [python3, -m, http.server, 8080]
        ready: {tcp: 8080}
        timeout: 2m
        env: {A: "1", B: two}
        workdir: /srv
        user: nobody
        after: [db, {lease: web:eth0}]
      probe:
        command: [sleep, "100"]
        ready: {command: [test, -e, /tmp/x]}
links:
  - [web:eth0, host:h-web]
)";

}  // namespace

TEST_CASE("services are read with every setting and its position", "[parse][services]") {
  auto r = parse_topology(kServices, "s.yaml");
  INFO((r.errors.empty() ? "" : r.errors.front().str()));
  REQUIRE(r.ok());
  const auto& services = r.topology->namespaces.at(0).services;
  REQUIRE(services.size() == 3);
  const Service& http = services[1];
  CHECK(http.name == "http");
  CHECK(http.pos.line == 9);
  CHECK(http.command == std::vector<std::string>{"python3", "-m", "http.server", "8080"});
  CHECK(http.ready.kind == ServiceReady::Kind::Tcp);
  CHECK(http.ready.port == 8080);
  CHECK(http.timeout_seconds == 120);
  CHECK(http.env == std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "two"}});
  REQUIRE(http.workdir);
  CHECK(http.workdir->value == "/srv");
  REQUIRE(http.user);
  CHECK(http.user->value == "nobody");
  REQUIRE(http.after.size() == 2);
  CHECK(http.after[0].service == "db");
  CHECK(http.after[1].service.empty());
  CHECK(http.after[1].lease_ns == "web");
  CHECK(http.after[1].lease_if == "eth0");
  CHECK(services[0].timeout_seconds == 10);  // the default
  CHECK(services[0].ready.kind == ServiceReady::Kind::None);
  CHECK(services[2].ready.kind == ServiceReady::Kind::Command);
  CHECK(services[2].ready.command == std::vector<std::string>{"test", "-e", "/tmp/x"});
}

TEST_CASE("a prefix renames the namespace of a service's lease", "[parse][services]") {
  auto r = parse_topology(kServices, "s.yaml");
  REQUIRE(r.ok());
  auto errors = apply_prefix(*r.topology, "p1-");
  REQUIRE(errors.empty());
  const auto& ns = r.topology->namespaces.at(0);
  CHECK(ns.name == "p1-web");
  CHECK(ns.services[1].after[1].lease_ns == "p1-web");
  CHECK(ns.services[1].after[1].lease_if == "eth0");
  CHECK(ns.services[1].name == "http");  // unique in the lab already
}
