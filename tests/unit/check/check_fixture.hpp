// A hand-built topology for the check tests (the check area does not link
// the parser), modelled on demo 03: red and blue get addresses by DHCP from
// dhcp-r / dhcp-b, which hold 10.20.30.2/24 on tap-r / tap-b.
#pragma once

#include <string>

#include "netlab/topology.hpp"
#include "support/topology_parts.hpp"

namespace netlab::testing {

inline IpAddress addr(const char* s) { return *IpAddress::parse(s); }
inline IpPrefix prefix(const char* s) { return *IpPrefix::parse(s); }

inline InterfaceConfig static_if(const std::string& name, std::vector<const char*> addrs) {
  InterfaceConfig i;
  i.name = name;
  for (const char* a : addrs) i.addresses.push_back({prefix(a), {}});
  return i;
}

inline InterfaceConfig dhcp_if(const std::string& name) {
  InterfaceConfig i;
  i.name = name;
  i.dhcp = true;
  return i;
}

inline Target endpoint_target(const std::string& owner, const std::string& ifname) {
  Target t;
  t.endpoint = Endpoint{owner, ifname, {}};
  return t;
}

inline Target address_target(const char* a) {
  Target t;
  t.address = addr(a);
  return t;
}

inline TestCase ping(const std::string& from, Target to, Expect expect = Expect::Success,
                     int count = 1, int line = 0) {
  PingTest p;
  p.from = from;
  p.to = std::move(to);
  p.expect = expect;
  p.count = count;
  return TestCase{p, SourcePos{"lab.yaml", line, 5}};
}

inline TestCase tcp(const std::string& from, Target to, int port, Expect expect = Expect::Success) {
  TcpTest t;
  t.from = from;
  t.to = std::move(to);
  t.port = port;
  t.expect = expect;
  return TestCase{t, SourcePos{"lab.yaml", 30, 5}};
}

inline TestCase lease(const std::string& ns, const std::string& ifname, const std::string& server) {
  LeaseTest l;
  l.client = Endpoint{ns, ifname, {}};
  l.server = server;
  return TestCase{l, SourcePos{"lab.yaml", 20, 5}};
}

/// Demo 03's shape, plus a host interface and a dual-stack namespace.
inline Topology demo_topology() {
  Topology t;
  t.name = "demo";
  t.file = "lab.yaml";
  Namespace red = namespace_with("red", {dhcp_if("eth0-r")});
  Namespace blue = namespace_with("blue", {dhcp_if("eth0-b")});
  Namespace dr = namespace_with("dhcp-r", {static_if("tap-r", {"10.20.30.2/24"})});
  Namespace db = namespace_with("dhcp-b", {static_if("tap-b", {"10.20.30.2/24"})});
  Namespace v6 = namespace_with("dual", {static_if("eth0", {"fd00::1/64", "192.168.7.1/24"})});
  t.namespaces = {red, blue, dr, db, v6};
  t.host.interfaces.push_back(static_if("up0", {"172.31.0.1/30"}));
  // Every interface is placed by a link, as validation demands of a file:
  // the checks read where interfaces live from the desired model.
  Bridge br;
  br.name = "br0";
  t.bridges.push_back(br);
  int port = 0;
  for (auto [owner, ifname] :
       {std::pair{"red", "eth0-r"}, std::pair{"blue", "eth0-b"}, std::pair{"dhcp-r", "tap-r"},
        std::pair{"dhcp-b", "tap-b"}, std::pair{"dual", "eth0"}, std::pair{"host", "up0"}}) {
    Link link;
    link.a = {owner, ifname, {}};
    link.b = {"br0", "p" + std::to_string(port++), {}};
    t.links.push_back(link);
  }
  for (auto [ns, ifname] : {std::pair{"dhcp-r", "tap-r"}, std::pair{"dhcp-b", "tap-b"}}) {
    DhcpServer s;
    s.namespace_name = ns;
    s.interface = ifname;
    s.range_start = addr("10.20.30.10");
    s.range_end = addr("10.20.30.100");
    t.dhcp.push_back(s);
  }
  return t;
}

}  // namespace netlab::testing
