#include "netlab/ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace netlab {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    a.family = 4;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  } else {
    a.family = 6;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  }
  return std::nullopt;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  auto len_text = text.substr(slash + 1);
  int len = -1;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len_text.empty()) {
    return std::nullopt;
  }
  if (len < 0 || len > addr->byte_len() * 8) return std::nullopt;
  return IpPrefix{*addr, len};
}

IpPrefix IpPrefix::network() const {
  IpPrefix n = *this;
  for (int i = 0; i < address.byte_len(); ++i) {
    int bits = std::max(0, std::min(8, length - i * 8));
    n.address.bytes[i] &= static_cast<std::uint8_t>(bits == 0 ? 0 : 0xff << (8 - bits));
  }
  return n;
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family != family()) return false;
  return IpPrefix{a, length}.network().address == network().address;
}

std::string IpPrefix::str() const { return address.str() + "/" + std::to_string(length); }

std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::array<std::uint8_t, 6> mac{};
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    unsigned v = 0;
    auto part = text.substr(i * 3, 2);
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
    if (ec != std::errc() || ptr != part.data() + 2) return std::nullopt;
    mac[i] = static_cast<std::uint8_t>(v);
  }
  return mac;
}

std::string format_mac(const std::array<std::uint8_t, 6>& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return buf;
}

}  // namespace netlab
