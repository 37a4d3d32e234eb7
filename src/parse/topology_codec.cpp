#include "parse/topology_codec.hpp"

#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace netlab {
namespace {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};
template <class T>
struct IsLocated : std::false_type {};
template <class T>
struct IsLocated<Located<T>> : std::true_type {};
template <class T>
struct IsVariant : std::false_type {};
template <class... T>
struct IsVariant<std::variant<T...>> : std::true_type {};

// The last value of each enum of the model: decode refuses any larger one.
constexpr unsigned last_value(BridgeKind) { return static_cast<unsigned>(BridgeKind::Ovs); }
constexpr unsigned last_value(Datapath) { return static_cast<unsigned>(Datapath::Netdev); }
constexpr unsigned last_value(ServiceReady::Kind) {
  return static_cast<unsigned>(ServiceReady::Kind::Command);
}
constexpr unsigned last_value(Expect) { return static_cast<unsigned>(Expect::Fail); }

// Every field of each struct of the model, in the order of the bytes: one
// list serves both directions, so encode and decode cannot disagree. A field
// missing here is missing from a cached model, and the round-trip test of
// every topology in the repository (operator==) fails for it. The model has
// no recursive type: the nesting of the bytes is as deep as these lists.
template <class Io>
void fields(Io& io, VlanSubInterface& v) {
  io(v.parent, v.id, v.pos, v.parent_pos, v.id_pos);
}
template <class Io>
void fields(Io& io, LinkConditions& c) {
  io(c.rate, c.burst, c.limit, c.loss, c.delay, c.jitter, c.correlation, c.duplicate, c.reorder,
     c.corrupt, c.pos);
}
template <class Io>
void fields(Io& io, InterfaceConfig& c) {
  io(c.name, c.pos, c.dhcp, c.addresses, c.mtu, c.mac, c.vlan, c.conditions, c.state_up);
}
template <class Io>
void fields(Io& io, Route& r) {
  io(r.is_default, r.family, r.to, r.via, r.dev, r.pos, r.to_pos, r.via_pos, r.dev_pos);
}
template <class Io>
void fields(Io& io, Sysctl& s) {
  io(s.key, s.value, s.pos);
}
template <class Io>
void fields(Io& io, ServiceReady& r) {
  io(r.kind, r.port, r.path, r.command, r.pos);
}
template <class Io>
void fields(Io& io, ServiceAfter& a) {
  io(a.service, a.lease_ns, a.lease_if, a.pos);
}
template <class Io>
void fields(Io& io, Service& s) {
  io(s.name, s.pos, s.command, s.command_pos, s.env, s.workdir, s.user, s.after, s.ready,
     s.timeout_seconds);
}
template <class Io>
void fields(Io& io, Namespace& n) {
  io(n.name, n.pos, n.interfaces, n.routes, n.sysctls, n.services, n.machine);
}
template <class Io>
void fields(Io& io, PortOptions& o) {
  io(o.vlan, o.trunks, o.trunks_pos);
}
template <class Io>
void fields(Io& io, BridgePort& p) {
  io(p.name, p.pos, p.internal, p.namespace_name, p.options);
}
template <class Io>
void fields(Io& io, Bridge& b) {
  io(b.name, b.pos, b.kind, b.kind_pos, b.datapath, b.datapath_pos, b.ports, b.addresses,
     b.machine);
}
template <class Io>
void fields(Io& io, Endpoint& e) {
  io(e.owner, e.ifname, e.pos);
}
template <class Io>
void fields(Io& io, Stitch& s) {
  io(s.local_is_a, s.vni, s.local, s.remote, s.port, s.mtu, s.remote_machine);
}
template <class Io>
void fields(Io& io, Link& l) {
  io(l.a, l.b, l.options, l.conditions, l.pos, l.vni, l.stitch);
}
template <class Io>
void fields(Io& io, Machine& m) {
  io(m.name, m.pos, m.address, m.vxlan_port, m.vxlan_port_pos, m.mtu);
}
template <class Io>
void fields(Io& io, DhcpStaticHost& h) {
  io(h.mac, h.address, h.pos);
}
template <class Io>
void fields(Io& io, DhcpServer& d) {
  io(d.namespace_name, d.namespace_pos, d.interface, d.interface_pos, d.range_start, d.range_end,
     d.range_pos, d.netmask, d.lease_seconds, d.router, d.dns, d.hosts, d.pos);
}
template <class Io>
void fields(Io& io, NatRule& n) {
  io(n.source, n.out, n.pos, n.out_pos);
}
template <class Io>
void fields(Io& io, HostSection& h) {
  io(h.pos, h.sysctls, h.interfaces, h.nat);
}
template <class Io>
void fields(Io& io, Target& t) {
  io(t.endpoint, t.address, t.pos);
}
template <class Io>
void fields(Io& io, Bounds& b) {
  io(b.min, b.max, b.pos);
}
template <class Io>
void fields(Io& io, PingTest& p) {
  io(p.from, p.from_pos, p.to, p.expect, p.count, p.interval_ms, p.rtt_ms, p.loss);
}
template <class Io>
void fields(Io& io, LeaseTest& l) {
  io(l.client, l.server, l.server_pos);
}
template <class Io>
void fields(Io& io, TcpTest& t) {
  io(t.from, t.from_pos, t.to, t.port, t.expect);
}
template <class Io>
void fields(Io& io, ThroughputTest& t) {
  io(t.from, t.from_pos, t.to, t.duration_s, t.bits_per_second);
}
template <class Io>
void fields(Io& io, TestCase& t) {
  io(t.check, t.pos);
}
template <class Io>
void fields(Io& io, Topology& t) {
  // namespace_index_ and bridge_index_ are caches that start empty.
  io(t.name, t.name_pos, t.file, t.namespaces, t.bridges, t.links, t.dhcp, t.host, t.tests,
     t.machines, t.machine, t.narrowed_to);
}

// Integers are LEB128 (signed ones zigzagged first): positions and counts
// are small, and a 1000-namespace model holds tens of thousands of them.
class Writer {
 public:
  template <class... T>
  void operator()(const T&... xs) {
    (put(xs), ...);
  }
  std::string take() { return std::move(out_); }

  template <class T>
  void put(const T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      byte(x ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
      byte(static_cast<std::uint8_t>(x));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      const auto v = static_cast<std::int64_t>(x);
      unsigned_int((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    } else if constexpr (std::is_integral_v<T>) {
      unsigned_int(x);
    } else if constexpr (std::is_same_v<T, double>) {
      auto bits = std::bit_cast<std::uint64_t>(x);
      for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(bits >> (8 * i)));
    } else if constexpr (std::is_same_v<T, std::string>) {
      unsigned_int(x.size());
      out_ += x;
    } else if constexpr (std::is_same_v<T, SourcePos>) {
      // Nearly every position names the same file: written once, then "same".
      if (x.file == last_file_) {
        byte(0);
      } else {
        byte(1);
        put(x.file);
        last_file_ = x.file;
      }
      put(x.line);
      put(x.column);
    } else if constexpr (std::is_same_v<T, IpAddress>) {
      byte(static_cast<std::uint8_t>(x.family));
      out_.append(reinterpret_cast<const char*>(x.bytes.data()), x.bytes.size());
    } else if constexpr (std::is_same_v<T, IpPrefix>) {
      put(x.address);
      put(x.length);
    } else if constexpr (IsOptional<T>::value) {
      byte(x ? 1 : 0);
      if (x) put(*x);
    } else if constexpr (IsVector<T>::value) {
      unsigned_int(x.size());
      for (const auto& e : x) put(e);
    } else if constexpr (IsPair<T>::value) {
      put(x.first);
      put(x.second);
    } else if constexpr (IsLocated<T>::value) {
      put(x.value);
      put(x.pos);
    } else if constexpr (IsVariant<T>::value) {
      byte(static_cast<std::uint8_t>(x.index()));
      std::visit([this](const auto& v) { put(v); }, x);
    } else {
      // fields() takes a mutable reference for the Reader; the Writer only reads.
      fields(*this, const_cast<T&>(x));
    }
  }

 private:
  void byte(std::uint8_t b) { out_ += static_cast<char>(b); }
  void unsigned_int(std::uint64_t v) {
    while (v >= 0x80) {
      byte(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    byte(static_cast<std::uint8_t>(v));
  }

  std::string out_;
  std::string last_file_;
};

// Thrown by the Reader at the first inconsistency, caught by decode_topology.
struct Corrupt {};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class... T>
  void operator()(T&... xs) {
    (get(xs), ...);
  }
  bool at_end() const { return at_ == in_.size(); }

  template <class T>
  void get(T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      x = flag();
    } else if constexpr (std::is_enum_v<T>) {
      const std::uint8_t b = byte();
      if (b > last_value(T{})) throw Corrupt{};
      x = static_cast<T>(b);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      const std::uint64_t z = unsigned_int();
      const auto v = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) throw Corrupt{};
      x = static_cast<T>(v);
    } else if constexpr (std::is_integral_v<T>) {
      const std::uint64_t v = unsigned_int();
      if (v > std::numeric_limits<T>::max()) throw Corrupt{};
      x = static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, double>) {
      const std::string_view b = take(8);
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i)
        bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[i])) << (8 * i);
      x = std::bit_cast<double>(bits);
    } else if constexpr (std::is_same_v<T, std::string>) {
      const std::size_t n = count();  // at most what is left: one byte each
      x.assign(take(n));
    } else if constexpr (std::is_same_v<T, SourcePos>) {
      if (flag()) {
        std::string file;
        get(file);
        if (file == last_file_) throw Corrupt{};  // encode says "same" for that
        last_file_ = std::move(file);
      }
      x.file = last_file_;
      get(x.line);
      get(x.column);
    } else if constexpr (std::is_same_v<T, IpAddress>) {
      const std::uint8_t family = byte();
      if (family != 4 && family != 6) throw Corrupt{};
      x.family = family;
      const std::string_view b = take(x.bytes.size());
      for (std::size_t i = 0; i < x.bytes.size(); ++i) x.bytes[i] = static_cast<std::uint8_t>(b[i]);
    } else if constexpr (std::is_same_v<T, IpPrefix>) {
      get(x.address);
      get(x.length);
      if (x.length < 0 || x.length > x.address.byte_len() * 8) throw Corrupt{};
    } else if constexpr (IsOptional<T>::value) {
      if (flag()) {
        get(x.emplace());
      } else {
        x.reset();
      }
    } else if constexpr (IsVector<T>::value) {
      // Every element takes a byte at least: a count is never more than
      // what is left, so a forged count cannot make a long loop.
      const std::size_t n = count();
      x.clear();
      for (std::size_t i = 0; i < n; ++i) get(x.emplace_back());
    } else if constexpr (IsPair<T>::value) {
      get(x.first);
      get(x.second);
    } else if constexpr (IsLocated<T>::value) {
      get(x.value);
      get(x.pos);
    } else if constexpr (IsVariant<T>::value) {
      const std::uint8_t index = byte();
      if (index >= std::variant_size_v<T>) throw Corrupt{};
      alternative(x, index);
    } else {
      fields(*this, x);
    }
  }

 private:
  std::size_t left() const { return in_.size() - at_; }
  std::string_view take(std::size_t n) {
    if (n > left()) throw Corrupt{};
    std::string_view s = in_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::uint8_t byte() { return static_cast<std::uint8_t>(take(1)[0]); }
  bool flag() {
    const std::uint8_t b = byte();
    if (b > 1) throw Corrupt{};
    return b == 1;
  }
  std::uint64_t unsigned_int() {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const std::uint8_t b = byte();
      // The tenth byte holds the top bit only; a last byte of 0 after
      // others is a longer form than encode writes.
      if (shift == 63 && b > 1) throw Corrupt{};
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) throw Corrupt{};
        return v;
      }
    }
  }
  std::size_t count() {
    const std::uint64_t n = unsigned_int();
    if (n > left()) throw Corrupt{};
    return static_cast<std::size_t>(n);
  }
  template <std::size_t I = 0, class V>
  void alternative(V& v, std::size_t index) {
    if constexpr (I < std::variant_size_v<V>) {
      if (index == I) {
        get(v.template emplace<I>());
      } else {
        alternative<I + 1>(v, index);
      }
    }
  }

  std::string_view in_;
  std::size_t at_ = 0;
  std::string last_file_;
};

}  // namespace

std::string encode_topology(const Topology& topology) {
  Writer w;
  w.put(topology);
  return w.take();
}

std::optional<Topology> decode_topology(std::string_view bytes) {
  try {
    Reader r(bytes);
    Topology t;
    r.get(t);
    if (!r.at_end()) return std::nullopt;
    return t;
  } catch (const Corrupt&) {
    return std::nullopt;
  }
}

}  // namespace netlab
