#include "core/text.hpp"

#include <catch2/catch.hpp>

using netlab::join;

TEST_CASE("join puts the separator between items only") {
  CHECK(join({}) == "");
  CHECK(join({"a"}) == "a");
  CHECK(join({"a", "b", "c"}) == "a, b, c");
  CHECK(join({"x", "", "y"}, "/") == "x//y");
}
