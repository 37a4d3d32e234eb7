// Static routes of the lab's namespaces, and sysctls: those of the
// topology, and host sysctls the lab changed and no longer wants, set back.
#include <algorithm>
#include <map>

#include "kernel/missing_sysctl.hpp"
#include "plan/families.hpp"

namespace netlab {

namespace {

bool same_route(const RouteRequest& want, const RouteState& have) {
  if (want.family != have.family) return false;
  if (want.dst.has_value() != have.dst.has_value()) return false;
  if (want.dst && want.dst->network() != have.dst->network()) return false;
  if (want.gateway != have.gateway) return false;
  if (!want.dev.empty() && want.dev != have.dev) return false;
  return true;
}

RouteRequest to_request(const RouteState& r) {
  RouteRequest q;
  q.family = r.family;
  q.dst = r.dst;
  q.gateway = r.gateway;
  q.dev = r.dev;
  return q;
}

Action route_action(ActionKind kind, const std::string& ns, const RouteRequest& route,
                    const char* reason) {
  Action a;
  a.kind = kind;
  a.resource = "route";
  a.ns = ns;
  a.object = route_name(route);
  a.reason = reason;
  a.phase = Phase::Configure;
  a.subjects = {{ObjectRef::Kind::Route, ns, a.object}};
  Operation add_op = op::AddRoute{ns, route};
  Operation del_op = op::DeleteRoute{ns, route};
  a.ops = {kind == ActionKind::Create ? add_op : del_op};
  a.undo = {kind == ActionKind::Create ? del_op : add_op};
  return a;
}

}  // namespace

std::string route_name(const RouteRequest& r) {
  std::string s = r.dst ? r.dst->network().str() : "default";
  if (r.gateway) s += " via " + r.gateway->str();
  if (!r.dev.empty()) s += " dev " + r.dev;
  return s;
}

bool route_matches(const RouteRequest& want, const RouteState& have) {
  return have.protocol == kRtprotStatic && same_route(want, have);
}

void plan_routes(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  std::map<std::string, std::vector<const DesiredRoute*>> by_ns;
  for (const auto& r : d.routes) by_ns[r.ns].push_back(&r);
  for (const auto& n : d.namespaces) by_ns[n.name];  // also look for stale ones
  for (const auto& [ns, wanted] : by_ns) {
    const NamespaceState* s = live.kernel.find_ns(ns);
    std::vector<RouteState> live_static;
    if (s) {
      for (const auto& r : s->routes)
        if (r.protocol == kRtprotStatic) live_static.push_back(r);
    }
    for (const DesiredRoute* r : wanted) {
      bool found = std::any_of(live_static.begin(), live_static.end(),
                               [&](const RouteState& h) { return same_route(r->route, h); });
      if (found) continue;
      Action a = route_action(ActionKind::Create, ns, r->route, "missing");
      a.pos = r->pos;
      b.add(std::move(a));
    }
    if (ns.empty()) continue;  // host routes are never netlab's
    for (const auto& h : live_static) {
      bool wanted_route = std::any_of(wanted.begin(), wanted.end(), [&](const DesiredRoute* r) {
        return same_route(r->route, h);
      });
      if (!wanted_route)
        b.add(route_action(ActionKind::Delete, ns, to_request(h), "not in topology"));
    }
  }
}

void plan_sysctls(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  for (const auto& s : d.sysctls) {
    const NamespaceState* n = live.kernel.find_ns(s.ns);
    // A key the namespace does not have, and that nothing this apply does
    // can bring: writing it would fail (ENOENT) after the changes before it,
    // so the plan stops here instead, before anything changes.
    if (n && n->missing_sysctls.count(s.key) && !sysctl_may_appear(s.key)) {
      b.error(ErrorKind::Unsupported,
              "set sysctl " + s.key + " = " + s.value +
                  (s.ns.empty() ? "" : " (netns " + s.ns + ")") + ": " +
                  missing_sysctl_problem(s.ns, s.key),
              s.pos);
      continue;
    }
    std::string have;
    if (n) {
      auto it = n->sysctls.find(s.key);
      if (it != n->sysctls.end()) have = it->second;
    }
    if (n && have == s.value) continue;
    Action a;
    a.kind = n ? ActionKind::Modify : ActionKind::Create;
    a.resource = "sysctl";
    a.ns = s.ns;
    a.object = s.key + " = " + s.value;
    a.reason = n ? "is " + have : "new namespace";
    a.pos = s.pos;
    a.phase = Phase::Configure;
    a.subjects = {{ObjectRef::Kind::Sysctl, s.ns, s.key}};
    a.ops = {op::WriteSysctl{s.ns, s.key, s.value}};
    if (n && !have.empty()) a.undo = {op::WriteSysctl{s.ns, s.key, have}};
    b.add(std::move(a));
  }
  // Host sysctls the lab changed and no longer wants: restore the saved value.
  for (const auto& [key, old] : live.saved_host_sysctls) {
    // clang 14 cannot capture a structured binding in a lambda: capture a reference.
    bool wanted =
        std::any_of(d.sysctls.begin(), d.sysctls.end(),
                    [&k = key](const DesiredSysctl& s) { return s.ns.empty() && s.key == k; });
    if (wanted) continue;
    // A key that is gone went with its interface (deleted by hand, or by
    // an earlier run): there is nothing left to restore.
    if (live.kernel.root.missing_sysctls.count(key)) continue;
    auto it = live.kernel.root.sysctls.find(key);
    std::string have = it == live.kernel.root.sysctls.end() ? "" : it->second;
    if (have == old) continue;
    Action a;
    a.kind = ActionKind::Modify;
    a.resource = "sysctl";
    a.object = key + " = " + old;
    a.reason = "restore value from before the lab";
    // A key of an interface (net.ipv4.conf.IF.*) is restored before the
    // deletes: the interface may be the lab's and go in this plan, and its
    // keys with it (on the kernel as on the fake: ENOENT after the delete).
    a.phase = sysctl_may_appear(key) ? Phase::StopDaemons : Phase::Configure;
    a.subjects = {{ObjectRef::Kind::Sysctl, "", key}};
    a.ops = {op::WriteSysctl{"", key, old}};
    if (!have.empty()) a.undo = {op::WriteSysctl{"", key, have}};
    b.add(std::move(a));
  }
}

}  // namespace netlab
