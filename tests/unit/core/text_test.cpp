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

TEST_CASE("xml_escape makes any text safe in XML 1.0 data and attributes", "[core][text]") {
  using netlab::xml_escape;
  CHECK(xml_escape("eth0") == "eth0");
  CHECK(xml_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  CHECK(xml_escape("&amp;") == "&amp;amp;");  // no double-decoding: escaped again
  CHECK(xml_escape("l1\nl2\r\tx") == "l1&#10;l2&#13;&#9;x");
  CHECK(xml_escape("l1\nl2", "<BR/>") == "l1<BR/>l2");
  // XML 1.0 has no way to write these at all, not even as references.
  CHECK(xml_escape(std::string("a\0b\x1b[31m\x7f", 9)) == "a?b?[31m?");
  CHECK(xml_escape("r\xc3\xa9"
                   "d") ==
        "r\xc3\xa9"
        "d");  // UTF-8 stays
}
