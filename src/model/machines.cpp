#include "model/machines.hpp"

#include <algorithm>
#include <map>

namespace netlab {

namespace {

std::string declared_list(const Topology& t) {
  std::string s;
  for (const auto& m : t.machines) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

std::uint32_t fnv1a32(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string end_text(const Endpoint& e) { return e.owner + ":" + e.ifname; }

}  // namespace

std::string machine_of(const Topology& t, const std::string& owner) {
  if (t.machines.empty() || owner == kHostName) return "";
  if (const Namespace* ns = t.find_namespace(owner); ns && ns->machine) return ns->machine->value;
  if (const Bridge* b = t.find_bridge(owner); b && b->machine) return b->machine->value;
  return t.machines.size() == 1 ? t.machines.front().name : "";
}

std::pair<std::string, std::string> link_machines(const Topology& t, const Link& link) {
  std::string a = machine_of(t, link.a.owner), b = machine_of(t, link.b.owner);
  if (link.a.owner == kHostName) a = b;
  if (link.b.owner == kHostName) b = a;
  return {a, b};
}

bool is_stitched(const Topology& t, const Link& link) {
  auto [a, b] = link_machines(t, link);
  return !a.empty() && !b.empty() && a != b && t.find_machine(a) && t.find_machine(b);
}

std::uint32_t stitch_vni(const std::string& lab, const Link& link) {
  if (link.vni) return link.vni->value;
  std::string x = end_text(link.a), y = end_text(link.b);
  if (y < x) std::swap(x, y);
  std::uint32_t h = fnv1a32(lab + "\n" + x + "\n" + y);
  std::uint32_t vni = ((h >> 24) ^ h) & 0xFFFFFFu;
  return vni == 0 ? 1 : vni;
}

int underlay_mtu(const Machine& m) { return m.mtu ? m.mtu->value : kDefaultUnderlayMtu; }

std::vector<Error> vni_collisions(const Topology& t) {
  std::vector<Error> out;
  std::map<std::uint32_t, const Link*> seen;
  for (const auto& link : t.links) {
    if (!is_stitched(t, link)) continue;
    std::uint32_t vni = stitch_vni(t.name, link);
    auto [it, fresh] = seen.emplace(vni, &link);
    if (fresh) continue;
    const Link& first = *it->second;
    out.push_back(Error{
        ErrorKind::InvalidTopology,
        "link " + end_text(link.a) + " - " + end_text(link.b) + ": VNI " + std::to_string(vni) +
            (link.vni ? "" : " (derived from the lab name and the link)") +
            " is also the VNI of link " + end_text(first.a) + " - " + end_text(first.b) +
            (first.pos.known() ? " (line " + std::to_string(first.pos.line) + ")" : "") +
            "; give one of them another vni: in the long form {endpoints: [...], vni: N}",
        link.vni ? link.vni->pos : link.pos});
  }
  return out;
}

Result<Topology> narrow_to_machine(const Topology& t, const std::string& machine) {
  const Machine* self = t.find_machine(machine);
  if (!self) {
    if (t.machines.empty())
      return make_error(ErrorKind::InvalidTopology,
                        "--machine " + machine + ": " + t.file +
                            " declares no machines: (it runs on one machine); drop --machine");
    return make_error(ErrorKind::InvalidTopology, "--machine " + machine + ": " + t.file +
                                                      " declares no machine '" + machine +
                                                      "'; its machines are " + declared_list(t));
  }
  if (auto errors = vni_collisions(t); !errors.empty()) return errors.front();
  Topology out;
  out.name = t.name;
  out.name_pos = t.name_pos;
  out.file = t.file;
  out.machines = t.machines;
  out.machine = t.machine;
  out.narrowed_to = machine;
  out.host = t.host;
  for (const auto& ns : t.namespaces)
    if (machine_of(t, ns.name) == machine) out.namespaces.push_back(ns);
  for (const auto& b : t.bridges)
    if (machine_of(t, b.name) == machine) out.bridges.push_back(b);
  for (const auto& link : t.links) {
    auto [ma, mb] = link_machines(t, link);
    if (ma != machine && mb != machine) continue;
    Link l = link;
    if (ma != mb) {
      const Machine* other = t.find_machine(ma == machine ? mb : ma);
      if (!other) continue;  // the validator refused it
      Stitch s;
      s.local_is_a = ma == machine;
      s.vni = stitch_vni(t.name, link);
      s.local = self->address.value;
      s.remote = other->address.value;
      s.port = self->vxlan_port;
      s.mtu = std::min(underlay_mtu(*self), underlay_mtu(*other)) - kVxlanOverhead;
      s.remote_machine = other->name;
      l.stitch = s;
    }
    out.links.push_back(std::move(l));
  }
  for (const auto& d : t.dhcp)
    if (machine_of(t, d.namespace_name) == machine) out.dhcp.push_back(d);
  return out;
}

Result<std::string> pick_machine(const Topology& t, const std::vector<IpAddress>& local) {
  if (t.machine) return t.machine->value;
  if (t.machines.size() == 1) return t.machines.front().name;
  std::vector<std::string> here;
  for (const auto& m : t.machines)
    if (std::find(local.begin(), local.end(), m.address.value) != local.end())
      here.push_back(m.name);
  if (here.size() == 1) return here.front();
  if (here.empty())
    return make_error(ErrorKind::InvalidTopology,
                      t.file + " spans machines (" + declared_list(t) +
                          ") and none of their underlay addresses is on this network namespace; "
                          "say which one this is with --machine NAME");
  std::string list;
  for (const auto& h : here) list += (list.empty() ? "" : ", ") + h;
  return make_error(ErrorKind::InvalidTopology,
                    t.file + ": the underlay addresses of several machines (" + list +
                        ") are on this network namespace; say which one this is with --machine "
                        "NAME");
}

}  // namespace netlab
