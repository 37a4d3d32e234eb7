// The FakeNat passes the NAT contract, and its fake-only features work.
#include "fakes/fake_nat.hpp"

#include <catch2/catch.hpp>

#include "support/nat_contract.hpp"

using namespace netlab;
using namespace netlab::testing;

TEST_CASE("FakeNat passes the NAT contract", "[fake_nat][contract]") {
  FakeNat nat;
  SECTION("missing table") { nat_contract_missing_table(nat, "ct"); }
  SECTION("apply creates") { nat_contract_apply_creates(nat, "ct"); }
  SECTION("apply replaces") { nat_contract_apply_replaces(nat, "ct"); }
  SECTION("remove") { nat_contract_remove(nat, "ct"); }
  SECTION("labs are separate") { nat_contract_labs_are_separate(nat, "ct"); }
  SECTION("refuses IPv6, unchanged") { nat_contract_refuses_ipv6_unchanged(nat, "ct"); }
  // Every contract function cleans up after itself.
  CHECK(nat.labs().empty());
}

TEST_CASE("FakeNat: injected failures change nothing; seeded tables show as they are",
          "[fake_nat]") {
  FakeNat nat;
  NatRule r;
  r.source = *IpPrefix::parse("10.0.0.0/24");
  r.out = "eth0";
  nat.fail_next("apply", make_error(ErrorKind::Permission, "nftables: Operation not permitted"));
  CHECK(nat.apply("demo", {r}).error().kind == ErrorKind::Permission);
  CHECK_FALSE(nat.table("demo"));
  REQUIRE(nat.apply("demo", {r}).ok());
  CHECK(nat.calls("apply") == 2);

  NatTableState odd;
  odd.exists = true;
  odd.other_rules = {"{\"counter\": null}"};
  nat.seed_table("other", odd);
  auto seen = nat.observe("other");
  REQUIRE(seen.ok());
  CHECK(seen->exists);
  CHECK_FALSE(seen->chain_ok);
  CHECK(seen->other_rules.size() == 1);
  CHECK(nat.labs() == std::vector<std::string>{"demo", "other"});

  nat.fail_next("observe", make_error(ErrorKind::Kernel, "nftables: busy"));
  CHECK_FALSE(nat.observe("demo").ok());
  CHECK(nat.observe("demo").ok());
}
