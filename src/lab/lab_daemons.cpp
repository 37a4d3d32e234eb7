#include "lab/lab_daemons.hpp"

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"

namespace netlab {

namespace {

// The first IPv4 address of interface `ifname` in namespace `ns` of the topology.
std::optional<IpPrefix> static_ipv4(const Topology& t, const std::string& ns,
                                    const std::string& ifname) {
  const Namespace* n = t.find_namespace(ns);
  if (!n) return std::nullopt;
  for (const auto& c : n->interfaces) {
    if (c.name != ifname) continue;
    for (const auto& a : c.addresses)
      if (a.value.family() == 4) return a.value;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<DaemonSpec>> desired_daemons(const Topology& t, const std::string& state_dir) {
  std::vector<DaemonSpec> out;
  for (const auto& server : t.dhcp) {
    auto inst =
        make_dnsmasq(server, state_dir, static_ipv4(t, server.namespace_name, server.interface));
    if (!inst.ok()) {
      Error e = inst.error();
      if (!e.where.known()) e.where = server.pos;
      return e;
    }
    out.push_back(DaemonSpec{*inst, server.pos});
  }
  for (const auto& ns : t.namespaces) {
    for (const auto& c : ns.interfaces) {
      if (!c.dhcp) continue;
      auto inst = make_dhclient(state_dir, ns.name, c.name);
      if (!inst.ok()) return inst.error();
      out.push_back(DaemonSpec{*inst, c.pos});
    }
  }
  return out;
}

std::map<std::string, DaemonState> observe_daemons(const StateDir& state, Processes& processes) {
  std::map<std::string, DaemonState> out;
  for (auto& [id, spec] : state.daemons()) {
    DaemonCheck check = check_daemon(processes, spec.pid_file(), spec.ns(), spec.argv());
    DaemonState state{spec, check.pid, check.ours, check.reason, std::nullopt, {}};
    // A client's lease, for the planner to compare with its server's range.
    if (const auto* client = std::get_if<DhclientInstance>(&spec.instance)) {
      if (auto lease = leased_address(*client); lease.ok()) state.lease = *lease;
    } else if (auto served =
                   read_dnsmasq_leases(std::get<DnsmasqInstance>(spec.instance).paths.lease);
               served.ok()) {
      state.served = std::move(*served);
    }
    out.emplace(id, std::move(state));
  }
  return out;
}

}  // namespace netlab
