#include "netlab/nat.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace netlab;
using nlohmann::json;

namespace {

NatRule rule(const char* src, const char* out) {
  NatRule r;
  r.source = *IpPrefix::parse(src);
  r.out = out;
  r.pos = SourcePos{"topo.yaml", 30, 7};
  return r;
}

}  // namespace

TEST_CASE("nat batch: replace the lab's table in one transaction") {
  auto j = nat_apply_json("demo", {rule("172.31.255.1/30", "eth0"), rule("10.0.0.7/32", "up1")});
  REQUIRE(j.ok());
  auto doc = json::parse(*j);
  const auto& c = doc.at("nftables");
  REQUIRE(c.size() == 6);
  json table = {{"family", "ip"}, {"name", "netlab-demo"}};
  CHECK(c[0] == json{{"add", {{"table", table}}}});
  CHECK(c[1] == json{{"delete", {{"table", table}}}});
  CHECK(c[2] == json{{"add", {{"table", table}}}});
  const auto& chain = c[3].at("add").at("chain");
  CHECK(chain.at("table") == "netlab-demo");
  CHECK(chain.at("type") == "nat");
  CHECK(chain.at("hook") == "postrouting");
  CHECK(chain.at("prio") == 100);
  const auto& r0 = c[4].at("add").at("rule");
  CHECK(r0.at("table") == "netlab-demo");
  CHECK(r0.at("chain") == "postrouting");
  const auto& e = r0.at("expr");
  REQUIRE(e.size() == 3);
  // the source network, host bits cleared
  CHECK(e[0].at("match").at("right") == json{{"prefix", {{"addr", "172.31.255.0"}, {"len", 30}}}});
  CHECK(e[1].at("match").at("left") == json{{"meta", {{"key", "oifname"}}}});
  CHECK(e[1].at("match").at("right") == "eth0");
  CHECK(e[2].contains("masquerade"));
  CHECK(c[5].at("add").at("rule").at("expr")[0].at("match").at("right") == "10.0.0.7");
  // Every command names the lab's table only.
  for (const auto& cmd : c) {
    const auto& body = cmd.begin().value().begin().value();
    std::string t = body.contains("table") && body["table"].is_string()
                        ? body["table"].get<std::string>()
                        : body.value("name", "");
    CHECK(t == "netlab-demo");
  }
}

TEST_CASE("nat text rendering and delete batch") {
  auto t = nat_apply_text("demo", {rule("172.31.255.0/30", "eth0")});
  REQUIRE(t.ok());
  CHECK(t->find("table ip netlab-demo {") != std::string::npos);
  CHECK(t->find("type nat hook postrouting priority srcnat; policy accept;") != std::string::npos);
  CHECK(t->find("ip saddr 172.31.255.0/30 oifname \"eth0\" masquerade") != std::string::npos);
  auto d = json::parse(nat_delete_json("demo")).at("nftables");
  REQUIRE(d.size() == 2);
  CHECK(d[0].contains("add"));
  CHECK(d[1].at("delete").at("table").at("name") == "netlab-demo");
}

// The out interface's name is refused at validate (tests/unit/parse/names_test.cpp,
// tests/data/invalid/nat-out-*.yaml), once, by the rule of every interface name.
TEST_CASE("nat rejects IPv6 sources, with positions") {
  auto v6 = nat_apply_json("demo", {rule("fd00::/64", "eth0")});
  REQUIRE(!v6.ok());
  CHECK(v6.error().kind == ErrorKind::Unsupported);
  CHECK(v6.error().where.line == 30);
}

TEST_CASE("parse nft -j list table output") {
  std::string out = R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
 {"table": {"family": "ip", "name": "netlab-demo", "handle": 7}},
 {"chain": {"family": "ip", "table": "netlab-demo", "name": "postrouting", "handle": 1,
            "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}},
 {"rule": {"family": "ip", "table": "netlab-demo", "chain": "postrouting", "handle": 2,
   "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                       "right": {"prefix": {"addr": "172.31.255.0", "len": 30}}}},
            {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "eth0"}},
            {"masquerade": null}]}},
 {"rule": {"family": "ip", "table": "netlab-demo", "chain": "postrouting", "handle": 3,
   "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                       "right": "10.0.0.7"}},
            {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "up1"}},
            {"masquerade": null}]}},
 {"rule": {"family": "ip", "table": "netlab-demo", "chain": "postrouting", "handle": 4,
   "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}]})";
  auto st = parse_nat_table_json(out, "demo");
  REQUIRE(st.ok());
  CHECK(st->exists);
  CHECK(st->chain_ok);
  REQUIRE(st->rules.size() == 2);
  CHECK(st->rules[0].source == *IpPrefix::parse("172.31.255.0/30"));
  CHECK(st->rules[0].out == "eth0");
  CHECK(st->rules[0].handle == 2);
  CHECK(st->rules[1].source == *IpPrefix::parse("10.0.0.7/32"));
  CHECK(st->other_rules.size() == 1);

  auto other = parse_nat_table_json(out, "elsewhere");
  REQUIRE(other.ok());
  CHECK(!other->exists);
  CHECK(other->rules.empty());
  CHECK(!parse_nat_table_json("not json", "demo").ok());
  CHECK(!parse_nat_table_json("{}", "demo").ok());
}
