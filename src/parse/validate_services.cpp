// Services: names, `after:` (known services, DHCP clients, no cycles),
// readiness ports. Whether a program is installed is checked at plan time
// (lab_daemons.cpp), on the machine that runs it.
#include <functional>
#include <map>

#include "parse/names.hpp"
#include "parse/suggest.hpp"
#include "parse/validator.hpp"

namespace netlab {

void Validator::check_services() {
  std::map<std::string, const Service*> by_name;
  std::vector<std::string> names;
  for (const auto& ns : t.namespaces)
    for (const auto& s : ns.services) {
      std::string c = "service '" + s.name + "'";
      // The name becomes a file name in the lab's state directory and a
      // word of `netlab logs`: the namespace-name rule keeps it one path
      // component no program reads as an option.
      if (auto p = netns_problem(s.name)) error(s.pos, c + ": name " + *p);
      auto [it, fresh] = by_name.emplace(s.name, &s);
      if (!fresh) {
        error(s.pos, c + " is defined twice (first at " + at_line(it->second->pos) +
                         "); service names are unique in a lab");
        continue;
      }
      names.push_back(s.name);
      if ((s.ready.kind == ServiceReady::Kind::Tcp || s.ready.kind == ServiceReady::Kind::Udp) &&
          (s.ready.port < 1 || s.ready.port > 65535))
        error(s.ready.pos,
              c + ": ready port " + std::to_string(s.ready.port) + " is out of range 1-65535");
    }
  for (const auto& ns : t.namespaces)
    for (const auto& s : ns.services) {
      std::string c = "service '" + s.name + "'";
      for (const auto& a : s.after) {
        if (!a.service.empty()) {
          if (a.service == s.name)
            error(a.pos, c + ": after names the service itself");
          else if (!by_name.count(a.service))
            error(a.pos,
                  c + ": after '" + a.service + "': no such service" + hint(a.service, names));
          continue;
        }
        std::string lns = a.lease_ns == kHostName ? "" : a.lease_ns;
        const InterfaceConfig* ic = config(lns, a.lease_if);
        if (!ic || !ic->dhcp)
          error(a.pos, c + ": after lease " + a.lease_ns + ":" + a.lease_if +
                           ": no interface of that name with dhcp: true in " + ns_label(lns));
      }
    }
  // Cycles in `after` (a depth-first search; each cycle reported once, at
  // the service where the search closed it).
  std::map<std::string, int> mark;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<void(const Service&)> visit = [&](const Service& s) {
    mark[s.name] = 1;
    path.push_back(s.name);
    for (const auto& a : s.after) {
      auto it = by_name.find(a.service);
      if (a.service.empty() || a.service == s.name || it == by_name.end()) continue;
      int m = mark[a.service];
      if (m == 1) {
        std::string cycle;
        bool on = false;
        for (const auto& p : path) {
          on |= p == a.service;
          if (on) cycle += p + " -> ";
        }
        error(a.pos, "service '" + s.name + "': after makes a cycle: " + cycle + a.service);
      } else if (m == 0) {
        visit(*it->second);
      }
    }
    path.pop_back();
    mark[s.name] = 2;
  };
  for (const auto& name : names)
    if (mark[name] == 0) visit(*by_name.at(name));
}

}  // namespace netlab
