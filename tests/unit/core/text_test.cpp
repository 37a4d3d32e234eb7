#include "core/text.hpp"

#include <catch2/catch.hpp>

using netlab::join;
using netlab::printable;

TEST_CASE("join puts the separator between items only") {
  CHECK(join({}) == "");
  CHECK(join({"a"}) == "a");
  CHECK(join({"a", "b", "c"}) == "a, b, c");
  CHECK(join({"x", "", "y"}, "/") == "x//y");
}

TEST_CASE("printable writes control bytes as \\xNN", "[core][text]") {
  CHECK(printable("eth0") == "eth0");
  CHECK(printable("a\x1b]0;x\x07"
                  "b") == "a\\x1b]0;x\\x07b");
  CHECK(printable("line1\nline2\tend") == "line1\nline2\tend");
  CHECK(printable("a\nb", false) == "a\\x0ab");
  CHECK(printable(std::string("n\0l\x7f", 4)) == "n\\x00l\\x7f");
  CHECK(printable("r\xc3\xa9"
                  "d") ==
        "r\xc3\xa9"
        "d");  // UTF-8 stays
}
