#include "check/lease.hpp"

#include "check/target.hpp"
#include "netlab/dhcp.hpp"

namespace netlab::check {

namespace {

std::string describe(const std::vector<DnsmasqLease>& leases) {
  std::string out;
  for (const auto& l : leases) {
    if (!out.empty()) out += ", ";
    out += l.address.str() + " for " + l.mac;
  }
  return out;
}

}  // namespace

CheckResult run_lease(const LeaseTest& test, const Topology& topology, const Observed& observed,
                      const std::string& state_dir) {
  CheckResult r;
  std::string client = test.client.owner + ":" + test.client.ifname;
  std::string ns = netns_of(test.client.owner);
  r.name = "lease " + client + " from " + test.server;
  r.expected = client + "'s address and MAC in " + test.server + "'s lease file";
  auto fail = [&](std::string actual) {
    r.actual = std::move(actual);
    r.detail = r.actual;
    return r;
  };

  std::vector<const DhcpServer*> servers;
  for (const auto& s : topology.dhcp)
    if (s.namespace_name == test.server) servers.push_back(&s);
  if (servers.empty()) return fail("no dhcp: server runs in namespace " + test.server);

  if (!observed.state) return fail("cannot observe " + client + ": " + observed.error);
  const LinkState* link = observed.find_link(ns, test.client.ifname);
  if (!link) return fail(client + " does not exist in " + where(ns) + " (is the lab up?)");
  std::optional<IpAddress> addr;
  for (const auto& p : link->addresses)
    if (p.family() == 4) {
      addr = p.address;
      break;
    }
  if (!addr) return fail(client + " holds no IPv4 address (no DHCP lease?)");
  r.expected =
      "a lease for " + addr->str() + " (" + link->mac + ") in " + test.server + "'s lease file";

  std::string seen;
  for (const DhcpServer* s : servers) {
    std::string path = dnsmasq_paths(state_dir, s->namespace_name, s->interface).lease;
    auto leases = read_dnsmasq_leases(path);
    if (!leases.ok()) {
      seen += (seen.empty() ? "" : "; ") + leases.error().message;
      continue;
    }
    for (const auto& l : *leases) {
      if (l.mac == link->mac && l.address == *addr) {
        r.passed = true;
        r.actual = "lease for " + addr->str() + " (" + link->mac + ") in " + path;
        r.detail = addr->str() + " (" + link->mac + ") leased by " + test.server;
        return r;
      }
    }
    seen += (seen.empty() ? "" : "; ") + path +
            (leases->empty() ? " holds no lease" : " holds " + describe(*leases));
  }
  return fail(seen);
}

}  // namespace netlab::check
