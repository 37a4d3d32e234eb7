// ARP payloads for IPv4 over Ethernet (RFC 826), as a packet socket of type
// SOCK_DGRAM sends and receives them: without the Ethernet header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "netlab/ip.hpp"

namespace netlab::check {

inline constexpr std::size_t kArpPayloadSize = 28;
using MacBytes = std::array<std::uint8_t, 6>;

/// A who-has request for `target` from `sender_mac` with sender address
/// 0.0.0.0 and target hardware address zero (an RFC 5227 probe).
std::array<std::uint8_t, kArpPayloadSize> arp_probe_payload(const MacBytes& sender_mac,
                                                            const IpAddress& target);

struct ArpReply {
  MacBytes sender_mac{};
  IpAddress sender_ip;
};

/// The sender of an IPv4-over-Ethernet ARP reply; nullopt for anything else
/// (requests, other hardware or protocol types, short frames).
std::optional<ArpReply> parse_arp_reply(const std::uint8_t* data, std::size_t size);

}  // namespace netlab::check
