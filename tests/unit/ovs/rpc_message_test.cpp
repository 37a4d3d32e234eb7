// What a message from ovsdb-server means to a client waiting for one reply.
#include "ovs/rpc_message.hpp"

#include <catch2/catch.hpp>

using namespace netlab;
using namespace netlab::ovs;
using nlohmann::json;

TEST_CASE("echo_answer answers an echo request with its params and id") {
  auto answer = echo_answer(json::parse(R"({"method":"echo","params":["x"],"id":"e1"})"));
  REQUIRE(answer);
  CHECK(*answer == json::parse(R"({"result":["x"],"error":null,"id":"e1"})"));
}

TEST_CASE("echo_answer ignores notifications and non-objects") {
  CHECK_FALSE(echo_answer(json::parse(R"({"method":"echo","params":[],"id":null})")));
  CHECK_FALSE(echo_answer(json::parse(R"({"method":"update","params":[],"id":null})")));
  CHECK_FALSE(echo_answer(json::parse(R"({"method":7,"id":1})")));
  CHECK_FALSE(echo_answer(json::parse(R"([1,2])")));
}

TEST_CASE("reply_to returns the result of the reply to our id") {
  auto r = reply_to(json::parse(R"({"id":4,"result":[1],"error":null})"), 4, "transact");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK(**r == json::array({1}));
}

TEST_CASE("reply_to turns an error member, or a missing result, into an Error") {
  auto e = reply_to(json::parse(R"({"id":4,"result":null,"error":"unknown method"})"), 4, "x");
  REQUIRE(e);
  REQUIRE_FALSE(*e);
  CHECK(e->error().message == "ovsdb x: unknown method");
  auto missing = reply_to(json::parse(R"({"id":4,"error":null})"), 4, "x");
  REQUIRE(missing);
  REQUIRE_FALSE(*missing);
  CHECK(missing->error().message == "ovsdb x: reply without result");
}

TEST_CASE("reply_to skips other ids, requests from the server and non-objects") {
  CHECK_FALSE(reply_to(json::parse(R"({"id":3,"result":[]})"), 4, "x"));
  CHECK_FALSE(reply_to(json::parse(R"({"id":"4","result":[]})"), 4, "x"));
  CHECK_FALSE(reply_to(json::parse(R"({"id":4,"method":"echo","params":[]})"), 4, "x"));
  CHECK_FALSE(reply_to(json::parse(R"("text")"), 4, "x"));
}
