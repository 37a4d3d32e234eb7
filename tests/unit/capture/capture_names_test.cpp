// The names around a capture: NS:IF arguments and file-name-safe text.
#include "capture/capture_names.hpp"

#include <catch2/catch.hpp>

using namespace netlab;
using namespace netlab::capture;

TEST_CASE("NS:IF splits at the first colon") {
  auto a = parse_interface_arg("red:eth0");
  REQUIRE(a.ok());
  CHECK(a->netns == "red");
  CHECK(a->interface == "eth0");
  auto any = parse_interface_arg("t1-red:any");
  REQUIRE(any.ok());
  CHECK(any->netns == "t1-red");
  CHECK(any->interface == "any");
}

TEST_CASE("a malformed NS:IF says what is wrong and what is expected") {
  auto text = [](const std::string& arg) {
    auto r = parse_interface_arg(arg);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("expected NS:IF") != std::string::npos);
    return r.error().message;
  };
  CHECK(text("red").find("no ':'") != std::string::npos);
  CHECK(text(":eth0").find("no namespace") != std::string::npos);
  CHECK(text("red:").find("no interface") != std::string::npos);
  CHECK(text("red:a-very-long-interface").find("at most 15") != std::string::npos);
  CHECK(text("red:eth0:1").find("not an interface name") != std::string::npos);
  CHECK(text("red:../x").find("not an interface name") != std::string::npos);
  CHECK(text("red:et h0").find("not an interface name") != std::string::npos);
}

TEST_CASE("assertion names become safe file names") {
  CHECK(file_name_part("ping red -> blue:eth0 (10.0.0.2)") == "ping_red_to_blue_eth0_10.0.0.2");
  CHECK(file_name_part("tcp a->b:80") == "tcp_a_to_b_80");
  CHECK(file_name_part("ping red -> fd00::1") == "ping_red_to_fd00_1");
  // No way out of the directory, no hidden file, no empty name.
  CHECK(file_name_part("../../etc/passwd") == "etc_passwd");
  CHECK(file_name_part(".hidden") == "hidden");
  CHECK(file_name_part("///") == "capture");
  CHECK(file_name_part("") == "capture");
  CHECK(file_name_part("é ü") == "capture");
  // Long names are cut, and never end in '_'.
  std::string long_name(50, 'a');
  long_name += ' ';
  long_name.append(100, 'b');
  std::string cut = file_name_part(long_name, 51);
  CHECK(cut == std::string(50, 'a'));
  CHECK(file_name_part(std::string(300, 'x')).size() == 100);
}

TEST_CASE("the default capture file names the interface and the time") {
  // 2026-01-02 03:04:05 UTC, in whatever zone the test runs: only the shape is fixed.
  std::string f = default_capture_file({"red", "eth0"}, 1767323045);
  REQUIRE(f.size() == std::string("red-eth0-20260102-030405.pcap").size());
  CHECK(f.rfind("red-eth0-2026010", 0) == 0);
  CHECK(f.substr(f.size() - 5) == ".pcap");
  CHECK(default_capture_file({"a/b", "e0"}, 0).find('/') == std::string::npos);
}
