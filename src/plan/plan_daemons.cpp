// DHCP servers and clients: started when missing or not running, restarted
// when their configuration changed, a client renewed when its lease is
// outside its server's range; daemons of the lab no longer wanted stopped.
#include <optional>
#include <set>

#include "plan/families.hpp"

namespace netlab {

namespace {

// A client's lease outside the range of the server that gave it (the
// server of the topology whose lease file holds that address for the
// client's MAC) is drift: the range changed, and the client would keep the
// old address until the lease ends. "lease 10.0.0.50 outside the server's
// range 10.0.0.100-10.0.0.150", or nullopt.
std::optional<std::string> lease_outside_range(const DesiredState& d, const LiveState& live,
                                               const DaemonState& have) {
  if (!have.lease) return std::nullopt;
  const LinkState* link = live.kernel.find_link(have.spec.ns(), have.spec.interface());
  if (!link) return std::nullopt;
  const IpAddress& leased = have.lease->address.address;
  auto gave_it = [&](const DaemonState& server) {
    for (const auto& l : server.served)
      if (l.address == leased && l.mac == link->mac) return true;
    return false;
  };
  std::string ranges;
  for (const auto& s : d.dhcp_servers) {
    bool from_s = false;
    for (const auto& [id, server] : live.daemons) {
      const auto* inst = std::get_if<DnsmasqInstance>(&server.spec.instance);
      from_s |=
          inst && inst->ns == s.namespace_name && inst->interface == s.interface && gave_it(server);
    }
    if (!from_s) continue;
    if (!(leased < s.range_start) && !(s.range_end < leased)) return std::nullopt;
    ranges += (ranges.empty() ? "" : ", ") + s.range_start.str() + "-" + s.range_end.str();
  }
  if (ranges.empty()) return std::nullopt;  // from a server the topology does not have
  return "lease " + leased.str() + " outside the server's range " + ranges;
}

// Why a daemon is not running, without saying "not running" twice: the
// check reports a dead process as "pid 12 is not running".
std::string not_running_reason(const std::string& why) {
  const std::string dead = " is not running";
  if (why.size() > dead.size() && why.compare(why.size() - dead.size(), dead.size(), dead) == 0)
    return why.substr(0, why.size() - dead.size()) + " is gone";
  return why;
}

const char* daemon_resource(const DaemonSpec& spec) {
  return spec.is_service() ? "service" : spec.is_server() ? "dhcp server" : "dhcp client";
}

// What a service runs, as the plan shows it: the topology's command is
// read by the user before `up --allow-services` runs it as root.
// "python3 -m http.server 8080", arguments with spaces quoted.
std::string service_command(const DaemonSpec& spec) {
  const auto* s = std::get_if<ServiceInstance>(&spec.instance);
  if (!s) return "";
  std::string out;
  for (const auto& a : s->argv) {
    bool quote = a.empty() || a.find_first_of(" \t'\"") != std::string::npos;
    out += (out.empty() ? "" : " ") + (quote ? "'" + a + "'" : a);
  }
  if (!s->user.empty()) out += " (as " + s->user + ")";
  return "; runs " + out;
}

// The object a plan line names: the interface of a DHCP daemon, a service's name.
std::string daemon_object(const DaemonSpec& spec) {
  if (const auto* s = std::get_if<ServiceInstance>(&spec.instance)) return s->name;
  return spec.interface();
}

}  // namespace

void plan_daemons(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  std::set<std::string> wanted;
  for (const auto& want : d.daemons) {
    std::string id = want.id();
    wanted.insert(id);
    auto it = live.daemons.find(id);
    const DaemonState* have = it == live.daemons.end() ? nullptr : &it->second;
    // In a namespace this plan makes, a recorded daemon died with the old one.
    bool ns_fresh = !want.ns().empty() && !b.ns_exists(want.ns());
    Action a;
    a.resource = daemon_resource(want);
    a.ns = want.ns();
    a.object = daemon_object(want);
    a.pos = want.pos;
    a.phase = want.is_service()  ? Phase::Services
              : want.is_server() ? Phase::Servers
                                 : Phase::Clients;
    a.subjects = {{ObjectRef::Kind::Daemon, want.ns(), id}};
    if (have && have->running && !ns_fresh) {
      if (have->spec.config_hash() == want.config_hash()) {
        auto outside = lease_outside_range(d, live, *have);
        if (!outside) continue;
        // Renew from scratch: the stop removes the old lease and its address.
        a.kind = ActionKind::Modify;
        a.reason = *outside + ": renew";
        a.ops = {op::StopDaemon{have->spec, false}, op::StartDaemon{want}};
        a.undo = {op::StopDaemon{want, false}, op::StartDaemon{have->spec}};
      } else {
        // A restart keeps dnsmasq's lease database: clients keep their
        // addresses (and a service its log).
        a.kind = ActionKind::Modify;
        a.reason =
            want.is_service() ? "definition changed: restart" : "configuration changed: restart";
        a.ops = {op::StopDaemon{have->spec, true}, op::StartDaemon{want}};
        a.undo = {op::StopDaemon{want, true}, op::StartDaemon{have->spec}};
      }
    } else {
      a.kind = ActionKind::Create;
      a.reason = !have      ? "missing"
                 : ns_fresh ? "new namespace"
                            : "not running: " + not_running_reason(have->why_not);
      a.ops = {op::StartDaemon{want}};
      a.undo = {op::StopDaemon{want, false}};
    }
    if (a.kind != ActionKind::Delete) a.reason += service_command(want);
    b.add(std::move(a));
  }
  for (const auto& [id, have] : live.daemons) {
    if (wanted.count(id)) continue;
    Action a;
    a.kind = ActionKind::Delete;
    a.resource = daemon_resource(have.spec);
    a.ns = have.spec.ns();
    a.object = daemon_object(have.spec);
    a.reason = have.running ? "owned but no longer in topology" : "record of a stopped daemon";
    a.phase = Phase::StopDaemons;
    a.subjects = {{ObjectRef::Kind::Daemon, have.spec.ns(), id}};
    a.ops = {op::StopDaemon{have.spec, false}};
    if (have.running) a.undo = {op::StartDaemon{have.spec}};
    b.add(std::move(a));
  }
}

}  // namespace netlab
