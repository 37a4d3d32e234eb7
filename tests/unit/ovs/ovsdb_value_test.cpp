#include "ovs/ovsdb_value.hpp"

#include <catch2/catch.hpp>

using namespace netlab::ovs;

TEST_CASE("OVSDB values are encoded as RFC 7047 says", "[ovs][json]") {
  CHECK(uuid_ref("u1") == Json::parse(R"(["uuid","u1"])"));
  CHECK(named_uuid_ref("port0") == Json::parse(R"(["named-uuid","port0"])"));
  CHECK(empty_set() == Json::parse(R"(["set",[]])"));
  CHECK(string_map({{"netlab-lab", "demo"}, {"a", "b"}}) ==
        Json::parse(R"(["map",[["a","b"],["netlab-lab","demo"]]])"));
  CHECK(string_map({}) == Json::parse(R"(["map",[]])"));
  CHECK(int_set({100, 200}) == Json::parse(R"(["set",[100,200]])"));
  CHECK(optional_int(100) == Json(100));
  CHECK(optional_int(std::nullopt) == Json::parse(R"(["set",[]])"));
}

TEST_CASE("OVSDB sets decode from both the set form and a bare atom", "[ovs][json]") {
  auto one = decode_uuid_set(Json::parse(R"(["uuid","u1"])"));
  REQUIRE(one);
  CHECK(*one == std::vector<std::string>{"u1"});
  auto two = decode_uuid_set(Json::parse(R"(["set",[["uuid","u1"],["uuid","u2"]]])"));
  REQUIRE(two);
  CHECK(*two == std::vector<std::string>{"u1", "u2"});
  auto none = decode_uuid_set(Json::parse(R"(["set",[]])"));
  REQUIRE(none);
  CHECK(none->empty());

  auto trunks = decode_int_set(Json::parse(R"(["set",[30,10,20]])"));
  REQUIRE(trunks);
  CHECK(*trunks == std::vector<int>{10, 20, 30});
  auto single = decode_int_set(Json(5));
  REQUIRE(single);
  CHECK(*single == std::vector<int>{5});
}

TEST_CASE("optional columns: empty set is absent, an atom is present", "[ovs][json]") {
  auto tag = decode_optional_int(Json::parse(R"(["set",[]])"));
  REQUIRE(tag);
  CHECK_FALSE(tag->has_value());
  auto tag100 = decode_optional_int(Json(100));
  REQUIRE(tag100);
  CHECK(**tag100 == 100);
  auto err = decode_optional_string(Json("could not open network device x (No such device)"));
  REQUIRE(err);
  CHECK(**err == "could not open network device x (No such device)");
  auto noerr = decode_optional_string(Json::parse(R"(["set",[]])"));
  REQUIRE(noerr);
  CHECK_FALSE(noerr->has_value());
}

TEST_CASE("maps decode; malformed values are errors, not exceptions", "[ovs][json]") {
  auto m = decode_string_map(Json::parse(R"(["map",[["netlab-lab","demo"],["k","v"]]])"));
  REQUIRE(m);
  CHECK(m->at("netlab-lab") == "demo");
  CHECK(m->at("k") == "v");

  CHECK_FALSE(decode_string_map(Json::parse(R"(["set",[]])")));
  CHECK_FALSE(decode_string_map(Json::parse(R"(["map",[["k"]]])")));
  CHECK_FALSE(decode_uuid(Json("u1")));
  CHECK_FALSE(decode_int_set(Json::parse(R"(["set",["x"]])")));
  CHECK_FALSE(decode_optional_int(Json::parse(R"(["set",[1,2]])")));
  CHECK_FALSE(decode_string(Json(3)));
  auto bad = decode_uuid(Json::parse(R"({"x":1})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == netlab::ErrorKind::Ovs);
}
