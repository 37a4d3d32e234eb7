#include "check/arp_frame.hpp"

namespace netlab::check {

namespace {

constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint16_t kProtocolIpv4 = 0x0800;
constexpr std::uint16_t kOpRequest = 1;
constexpr std::uint16_t kOpReply = 2;

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v & 0xff);
}

std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

// Layout: htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4).
std::array<std::uint8_t, kArpPayloadSize> arp_probe_payload(const MacBytes& sender_mac,
                                                            const IpAddress& target) {
  std::array<std::uint8_t, kArpPayloadSize> p{};
  put16(&p[0], kHardwareEthernet);
  put16(&p[2], kProtocolIpv4);
  p[4] = 6;
  p[5] = 4;
  put16(&p[6], kOpRequest);
  for (int i = 0; i < 6; ++i) p[8 + i] = sender_mac[i];
  // spa (14..17) and tha (18..23) stay zero.
  for (int i = 0; i < 4; ++i) p[24 + i] = target.bytes[i];
  return p;
}

std::optional<ArpReply> parse_arp_reply(const std::uint8_t* data, std::size_t size) {
  if (size < kArpPayloadSize) return std::nullopt;
  if (get16(&data[0]) != kHardwareEthernet || get16(&data[2]) != kProtocolIpv4 || data[4] != 6 ||
      data[5] != 4 || get16(&data[6]) != kOpReply)
    return std::nullopt;
  ArpReply r;
  for (int i = 0; i < 6; ++i) r.sender_mac[i] = data[8 + i];
  r.sender_ip.family = 4;
  for (int i = 0; i < 4; ++i) r.sender_ip.bytes[i] = data[14 + i];
  return r;
}

}  // namespace netlab::check
