// IPv4/IPv6 addresses and prefixes as plain values.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netlab {

/// An IPv4 or IPv6 address. family is 4 or 6; bytes holds 4 or 16 bytes.
struct IpAddress {
  int family = 4;
  std::array<std::uint8_t, 16> bytes{};

  /// Parses "10.0.0.1" or "fd00::1"; nullopt on anything else.
  static std::optional<IpAddress> parse(std::string_view text);
  int byte_len() const { return family == 4 ? 4 : 16; }
  std::string str() const;
  auto operator<=>(const IpAddress&) const = default;
};

/// An address with a prefix length, e.g. 10.0.0.1/24 (the host bits are kept:
/// this is an interface address, not only a network).
struct IpPrefix {
  IpAddress address;
  int length = 0;

  /// Parses "ADDR/LEN"; LEN is required. nullopt on anything else.
  static std::optional<IpPrefix> parse(std::string_view text);
  int family() const { return address.family; }
  /// The network: host bits cleared (10.0.0.1/24 -> 10.0.0.0/24).
  IpPrefix network() const;
  bool contains(const IpAddress& a) const;
  std::string str() const;
  auto operator<=>(const IpPrefix&) const = default;
};

/// Parses "02:00:00:00:00:01" (case-insensitive); nullopt unless 6 hex octets.
std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text);
/// Canonical lower-case form of a MAC address.
std::string format_mac(const std::array<std::uint8_t, 6>& mac);

}  // namespace netlab
