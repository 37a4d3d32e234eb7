// ARP payloads byte for byte, against the RFC 826 / RFC 5227 layout written
// out by hand here.
#include "check/arp_frame.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace netlab;
using namespace netlab::check;

TEST_CASE("an ARP probe: request, sender 0.0.0.0, target hardware address zero") {
  auto p = arp_probe_payload({0x02, 0, 0, 0, 0, 0x0a}, *IpAddress::parse("10.20.30.59"));
  std::vector<std::uint8_t> expected = {0x00, 0x01,                  // hardware: Ethernet
                                        0x08, 0x00,                  // protocol: IPv4
                                        6,    4,                     // lengths
                                        0x00, 0x01,                  // op: request
                                        0x02, 0,    0,  0, 0, 0x0a,  // sender MAC
                                        0,    0,    0,  0,           // sender IP 0.0.0.0 (a probe)
                                        0,    0,    0,  0, 0, 0,     // target MAC unknown
                                        10,   20,   30, 59};         // target IP
  CHECK(std::vector<std::uint8_t>(p.begin(), p.end()) == expected);
}

TEST_CASE("ARP replies are parsed; everything else is not a reply") {
  std::vector<std::uint8_t> reply = {0x00, 0x01, 0x08, 0x00, 6,  4,  0x00, 0x02, 0x46, 0xd2,
                                     0xc8, 0xb7, 0xf2, 0x30, 10, 20, 30,   59,   0x02, 0,
                                     0,    0,    0,    0x0a, 0,  0,  0,    0};
  auto r = parse_arp_reply(reply.data(), reply.size());
  REQUIRE(r);
  CHECK(format_mac(r->sender_mac) == "46:d2:c8:b7:f2:30");
  CHECK(r->sender_ip == *IpAddress::parse("10.20.30.59"));

  SECTION("padding after the payload (minimum Ethernet frame) is fine") {
    reply.resize(46, 0);
    CHECK(parse_arp_reply(reply.data(), reply.size()));
  }
  SECTION("a request") {
    reply[7] = 1;
    CHECK_FALSE(parse_arp_reply(reply.data(), reply.size()));
  }
  SECTION("not IPv4") {
    reply[2] = 0x86;
    reply[3] = 0xdd;
    CHECK_FALSE(parse_arp_reply(reply.data(), reply.size()));
  }
  SECTION("not Ethernet") {
    reply[1] = 6;
    CHECK_FALSE(parse_arp_reply(reply.data(), reply.size()));
  }
  SECTION("short") { CHECK_FALSE(parse_arp_reply(reply.data(), 27)); }
}
