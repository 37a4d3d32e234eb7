// The desired state: what a topology file says, as plain value types.
// Every element remembers where it came from (SourcePos) so that any later
// error can point back at the YAML. Containers keep the file's order.
//
// A parsed topology is kept in a cache (src/parse/topology_codec.cpp): a new
// field, struct or enum value must be added to the codec there too, and to
// the struct's defaulted operator== here. The codec's round-trip test
// (tests/unit/parse/topology_codec_test.cpp) fails for a field it forgets
// when some topology in the repository sets it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/name_index.hpp"

namespace netlab {

/// The name used for the root namespace in endpoints ("host:r1-up").
inline constexpr const char* kHostName = "host";

template <class T>
struct Located {
  T value{};
  SourcePos pos;
  bool operator==(const Located&) const = default;
};

/// `vlan: {parent: eth1, id: 10}` — an 802.1Q sub-interface.
struct VlanSubInterface {
  std::string parent;
  int id = 0;
  SourcePos pos;
  SourcePos parent_pos;  ///< of the `parent:` value
  SourcePos id_pos;      ///< of the `id:` value
  bool operator==(const VlanSubInterface&) const = default;
};

/// `conditions:` — what a link does to the traffic leaving one end (egress):
/// a rate limit, loss, delay with jitter, duplication, reordering,
/// corruption. Percentages are in parts per million (0.5% = 5000), so that
/// `0.01%` is exact; times in microseconds; sizes in bytes. Unset = not
/// asked for. Which kernel feature does each is the planner's business
/// (netem where the kernel has it; else tbf for rate and nftables for loss).
struct LinkConditions {
  std::optional<Located<std::uint64_t>> rate;         ///< bits per second, > 0
  std::optional<Located<std::uint32_t>> burst;        ///< bytes (rate only)
  std::optional<Located<std::uint32_t>> limit;        ///< queue limit, bytes (rate only)
  std::optional<Located<std::uint32_t>> loss;         ///< ppm
  std::optional<Located<std::uint32_t>> delay;        ///< microseconds
  std::optional<Located<std::uint32_t>> jitter;       ///< microseconds (needs delay)
  std::optional<Located<std::uint32_t>> correlation;  ///< ppm, of the delay (needs delay)
  std::optional<Located<std::uint32_t>> duplicate;    ///< ppm
  std::optional<Located<std::uint32_t>> reorder;      ///< ppm (needs delay)
  std::optional<Located<std::uint32_t>> corrupt;      ///< ppm
  SourcePos pos;
  bool empty() const {
    return !rate && !loss && !delay && !jitter && !correlation && !duplicate && !reorder &&
           !corrupt;
  }
  bool operator==(const LinkConditions&) const = default;
};

/// L3 (and a few L2) settings of one interface, under namespaces.X.interfaces
/// or host.interfaces.
struct InterfaceConfig {
  std::string name;
  SourcePos pos;
  bool dhcp = false;
  std::vector<Located<IpPrefix>> addresses;
  std::optional<Located<int>> mtu;
  std::optional<Located<std::string>> mac;  ///< canonical lower-case
  std::optional<VlanSubInterface> vlan;
  /// `conditions:` on this end's egress.
  std::optional<LinkConditions> conditions;
  /// `state: down` (false) or `state: up` (true, the default).
  std::optional<Located<bool>> state_up;
  bool operator==(const InterfaceConfig&) const = default;
};

/// `{to: default|PREFIX, via: ADDR, dev: IF}`; at least one of via/dev.
struct Route {
  bool is_default = false;
  int family = 4;              ///< 4 or 6 (for default: from `via`, else 4)
  std::optional<IpPrefix> to;  ///< network (host bits cleared); empty for default
  std::optional<IpAddress> via;
  std::optional<std::string> dev;
  SourcePos pos;
  SourcePos to_pos, via_pos, dev_pos;  ///< of the values, when given
  bool operator==(const Route&) const = default;
};

struct Sysctl {
  std::string key;    ///< dotted form, e.g. net.ipv4.ip_forward
  std::string value;  ///< as written (scalars are stringified)
  SourcePos pos;
  bool operator==(const Sysctl&) const = default;
};

/// `ready:` of a service: what `up` waits for before it calls the service
/// ready. None: started and still alive.
struct ServiceReady {
  enum class Kind { None, Tcp, Udp, File, Command };
  Kind kind = Kind::None;
  int port = 0;                      ///< tcp / udp: 1-65535
  std::string path;                  ///< file
  std::vector<std::string> command;  ///< command: argv, run in the service's namespace
  SourcePos pos;
  bool operator==(const ServiceReady&) const = default;
};

/// One entry of a service's `after:`: another service of the lab (a
/// scalar), or `{lease: NS:IF}`, a DHCP client's lease.
struct ServiceAfter {
  std::string service;  ///< "" for a lease
  std::string lease_ns, lease_if;
  SourcePos pos;
  bool operator==(const ServiceAfter&) const = default;
};

/// `namespaces.NS.services.NAME`: a long-running program of the lab,
/// supervised like its DHCP daemons (argv only, never a shell).
struct Service {
  std::string name;  ///< unique in the lab
  SourcePos pos;
  std::vector<std::string> command;
  SourcePos command_pos;
  std::vector<std::pair<std::string, std::string>> env;  ///< in file order
  std::optional<Located<std::string>> workdir;
  std::optional<Located<std::string>> user;
  std::vector<ServiceAfter> after;
  ServiceReady ready;
  int timeout_seconds = 10;  ///< readiness bound (`timeout:`)
  bool operator==(const Service&) const = default;
};

struct Namespace {
  std::string name;
  SourcePos pos;
  std::vector<InterfaceConfig> interfaces;
  std::vector<Route> routes;
  std::vector<Sysctl> sysctls;
  std::vector<Service> services;
  /// `machine:`: the machine it lives on; unset = the topology's one machine.
  std::optional<Located<std::string>> machine;
  bool operator==(const Namespace&) const = default;
};

/// Port options on a bridge port: access VLAN or trunk list (exclusive).
struct PortOptions {
  std::optional<Located<int>> vlan;
  std::vector<Located<int>> trunks;
  SourcePos trunks_pos;
  bool empty() const { return !vlan && trunks.empty(); }
  bool operator==(const PortOptions&) const = default;
};

/// A port declared under bridges.B.ports (not a veth end from `links`).
struct BridgePort {
  std::string name;
  SourcePos pos;
  bool internal = false;
  std::optional<Located<std::string>> namespace_name;  ///< internal port moved there
  PortOptions options;
  bool operator==(const BridgePort&) const = default;
};

enum class BridgeKind { Linux, Ovs };
enum class Datapath { Auto, System, Netdev };

struct Bridge {
  std::string name;
  SourcePos pos;
  BridgeKind kind = BridgeKind::Linux;
  SourcePos kind_pos;
  Datapath datapath = Datapath::Auto;
  SourcePos datapath_pos;
  std::vector<BridgePort> ports;
  std::vector<Located<IpPrefix>> addresses;
  std::optional<Located<std::string>> machine;  ///< `machine:`; unset = the one machine
  bool operator==(const Bridge&) const = default;
};

/// One end of a link: OWNER:IF, OWNER being a namespace, a bridge or "host".
struct Endpoint {
  std::string owner;
  std::string ifname;
  SourcePos pos;
  bool operator==(const Endpoint&) const = default;
};

enum class EndpointKind { Namespace, Bridge, Host };

/// What a link whose ends are on two machines becomes on one of them: its
/// local end is a VXLAN device (src/model/machines.cpp fills it when a
/// topology is narrowed to one machine; a file never says it).
struct Stitch {
  bool local_is_a = true;  ///< which end of the link lives on this machine
  std::uint32_t vni = 0;
  IpAddress local, remote;  ///< underlay addresses of this machine and the other
  int port = 4789;          ///< UDP destination port (the machines' vxlan_port)
  int mtu = 1450;           ///< the device's MTU unless the interface sets one
  std::string remote_machine;
  bool operator==(const Stitch&) const = default;
};

/// A veth pair (or, across machines, a VXLAN device at each end).
struct Link {
  Endpoint a, b;
  PortOptions options;  ///< applies to every end that is a bridge port
  /// `conditions:` of the long form: on both ends' egress.
  std::optional<LinkConditions> conditions;
  SourcePos pos;
  /// `vni:` of the long form: the VXLAN id when the ends are on two machines
  /// (else derived from the lab and the link: stitch_vni).
  std::optional<Located<std::uint32_t>> vni;
  std::optional<Stitch> stitch;  ///< set only in a topology narrowed to one machine
  bool operator==(const Link&) const = default;
};

/// `machines.NAME`: a host that runs part of the lab.
struct Machine {
  std::string name;
  SourcePos pos;
  Located<IpAddress> address;  ///< underlay address (IPv4)
  int vxlan_port = 4789;
  SourcePos vxlan_port_pos;
  std::optional<Located<int>> mtu;  ///< underlay MTU (default 1500)
  bool operator==(const Machine&) const = default;
};

struct DhcpStaticHost {
  std::string mac;  ///< canonical lower-case
  IpAddress address;
  SourcePos pos;
  bool operator==(const DhcpStaticHost&) const = default;
};

/// lease_seconds value of `lease_time: infinite`.
inline constexpr int kInfiniteLease = -1;

/// A dnsmasq instance (`dhcp:` list entry).
struct DhcpServer {
  std::string namespace_name;
  SourcePos namespace_pos;
  std::string interface;
  SourcePos interface_pos;
  IpAddress range_start, range_end;
  SourcePos range_pos;
  std::optional<Located<IpAddress>> netmask;  ///< derived from the interface when absent
  /// `lease_time: 1h` -> 3600; `infinite` -> kInfiniteLease (-1). Absent: dnsmasq's default.
  std::optional<Located<int>> lease_seconds;
  std::optional<Located<IpAddress>> router;
  std::vector<Located<IpAddress>> dns;
  std::vector<DhcpStaticHost> hosts;
  SourcePos pos;
  bool operator==(const DhcpServer&) const = default;
};

/// `{source: PREFIX, out: IF}`: masquerade traffic from source leaving via out.
struct NatRule {
  IpPrefix source;
  std::string out;
  SourcePos pos;
  SourcePos out_pos;  ///< of the `out:` value
  bool operator==(const NatRule&) const = default;
};

struct HostSection {
  SourcePos pos;
  std::vector<Sysctl> sysctls;
  std::vector<InterfaceConfig> interfaces;
  std::vector<NatRule> nat;
  bool operator==(const HostSection&) const = default;
};

/// `NS:IF` (resolves to the interface's address), or a literal address.
struct Target {
  std::optional<Endpoint> endpoint;
  std::optional<IpAddress> address;
  SourcePos pos;
  std::string str() const;
  bool operator==(const Target&) const = default;
};

enum class Expect { Success, Fail };

/// `{min: X, max: Y}` of a measured value, in the value's base unit (ms,
/// percent, bit/s); either end may be absent. `pos` is the map's.
struct Bounds {
  std::optional<double> min, max;
  SourcePos pos;
  /// Whether `v` lies within the bounds (inclusive).
  bool contains(double v) const { return (!min || v >= *min) && (!max || v <= *max); }
  bool operator==(const Bounds&) const = default;
};

struct PingTest {
  std::string from;  ///< namespace (or "host")
  SourcePos from_pos;
  Target to;
  Expect expect = Expect::Success;
  int count = 1;
  int interval_ms = 200;         ///< between echo requests (`interval: 10ms`)
  std::optional<Bounds> rtt_ms;  ///< `rtt: {max: 5ms}`: bounds on the average rtt
  std::optional<Bounds> loss;    ///< `loss: {max: 5%}`: bounds on the loss, percent
  bool operator==(const PingTest&) const = default;
};

struct LeaseTest {
  Endpoint client;     ///< NS:IF with dhcp: true
  std::string server;  ///< namespace of a dhcp: server
  SourcePos server_pos;
  bool operator==(const LeaseTest&) const = default;
};

struct TcpTest {
  std::string from;
  SourcePos from_pos;
  Target to;
  int port = 0;
  Expect expect = Expect::Success;
  bool operator==(const TcpTest&) const = default;
};

/// `throughput: {from: red, to: blue:eth0, min: 5mbit}`: TCP from `from`
/// to the target's namespace for `duration_s` seconds (libiperf both ends).
inline constexpr int kMaxThroughputSeconds = 10;

struct ThroughputTest {
  std::string from;
  SourcePos from_pos;
  Target to;
  int duration_s = 2;
  Bounds bits_per_second;  ///< `min:` / `max:`, in bit/s
  bool operator==(const ThroughputTest&) const = default;
};

struct TestCase {
  std::variant<PingTest, LeaseTest, TcpTest, ThroughputTest> check;
  SourcePos pos;
  bool operator==(const TestCase&) const = default;
};

struct Topology {
  std::string name;  ///< lab name ([a-z0-9-], <= 24 chars)
  SourcePos name_pos;
  std::string file;  ///< path as given
  std::vector<Namespace> namespaces;
  std::vector<Bridge> bridges;
  std::vector<Link> links;
  std::vector<DhcpServer> dhcp;
  HostSection host;
  std::vector<TestCase> tests;
  /// `machines:`; empty = one implicit machine (a lab on this host only).
  std::vector<Machine> machines;
  /// Top-level `machine:` (a file written by `netlab split`): the machine
  /// this file is the share of, used when --machine is not given.
  std::optional<Located<std::string>> machine;
  /// The machine this topology was narrowed to ("" = not narrowed): then it
  /// holds only that machine's namespaces and bridges, and its cross-machine
  /// links carry their Stitch.
  std::string narrowed_to;

  const Namespace* find_namespace(const std::string& n) const;
  const Bridge* find_bridge(const std::string& n) const;
  const Machine* find_machine(const std::string& n) const;
  /// What OWNER in "OWNER:IF" names: a namespace, a bridge or host; nullopt if nothing.
  std::optional<EndpointKind> endpoint_kind(const std::string& owner) const;

  /// Tells find_namespace / find_bridge / endpoint_kind that names of
  /// `namespaces` or `bridges` changed in place (an element renamed or
  /// replaced rather than the vector rebuilt): their caches trust a miss.
  void names_changed();

  // Caches behind find_namespace / find_bridge, not part of the model.
  NameIndex namespace_index_, bridge_index_;
  bool operator==(const Topology&) const = default;
};

}  // namespace netlab
