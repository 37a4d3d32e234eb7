#include "ovs/json_stream.hpp"

#include <catch2/catch.hpp>

using netlab::ovs::JsonStreamSplitter;

TEST_CASE("two JSON objects in one read are split into two texts", "[ovs][framing]") {
  JsonStreamSplitter s;
  REQUIRE(s.feed(R"({"id":1,"result":[]}{"id":null,"method":"echo","params":[]})"));
  auto a = s.next();
  auto b = s.next();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == R"({"id":1,"result":[]})");
  CHECK(*b == R"({"id":null,"method":"echo","params":[]})");
  CHECK_FALSE(s.next());
  CHECK(s.pending() == 0);
}

TEST_CASE("one object split across reads is assembled", "[ovs][framing]") {
  JsonStreamSplitter s;
  const std::string text = R"({"id":7,"result":[{"rows":[{"name":"a}b{\"c"}]}],"error":null})";
  // Feed it byte by byte: every split point, including inside strings and
  // right after a backslash, must work.
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    REQUIRE(s.feed(std::string_view(&text[i], 1)));
    CHECK_FALSE(s.next());
  }
  REQUIRE(s.feed(std::string_view(&text.back(), 1)));
  auto t = s.next();
  REQUIRE(t);
  CHECK(*t == text);
}

TEST_CASE("a split read that also starts the next object keeps the remainder", "[ovs][framing]") {
  JsonStreamSplitter s;
  REQUIRE(s.feed(R"({"a":"x\\"})"));  // an escaped backslash right before the closing quote
  REQUIRE(s.feed(R"( {"b":[1,)"));
  auto a = s.next();
  REQUIRE(a);
  CHECK(*a == R"({"a":"x\\"})");
  CHECK_FALSE(s.next());
  CHECK(s.pending() == 8);
  REQUIRE(s.feed("2]}\n"));
  auto b = s.next();
  REQUIRE(b);
  CHECK(*b == R"({"b":[1,2]})");
}

TEST_CASE("garbage between messages is a framing error", "[ovs][framing]") {
  JsonStreamSplitter s;
  CHECK_FALSE(s.feed("{}x{}"));
  CHECK(s.error().find("unexpected byte 'x'") != std::string::npos);
  CHECK_FALSE(s.feed("{}"));
}
