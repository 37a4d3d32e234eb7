#include "netlab/daemon_spec.hpp"

namespace netlab {

std::string DaemonSpec::id() const {
  if (const auto* s = std::get_if<ServiceInstance>(&instance)) return "service " + s->name;
  return std::string(is_server() ? "dnsmasq " : "dhclient ") + ns() + "/" + interface();
}

const std::string& DaemonSpec::ns() const {
  return std::visit([](const auto& i) -> const std::string& { return i.ns; }, instance);
}

const std::string& DaemonSpec::interface() const {
  static const std::string none;
  if (const auto* d = std::get_if<DnsmasqInstance>(&instance)) return d->interface;
  if (const auto* c = std::get_if<DhclientInstance>(&instance)) return c->interface;
  return none;
}

const std::string& DaemonSpec::pid_file() const {
  if (const auto* d = std::get_if<DnsmasqInstance>(&instance)) return d->paths.pid;
  if (const auto* s = std::get_if<ServiceInstance>(&instance)) return s->pid_file;
  return std::get<DhclientInstance>(instance).pid_file;
}

const std::vector<std::string>& DaemonSpec::argv() const {
  return std::visit([](const auto& i) -> const std::vector<std::string>& { return i.argv; },
                    instance);
}

const std::string& DaemonSpec::config_hash() const {
  return std::visit([](const auto& i) -> const std::string& { return i.config_hash; }, instance);
}

std::vector<std::string> DaemonSpec::files() const {
  if (const auto* d = std::get_if<DnsmasqInstance>(&instance))
    return {d->paths.conf, d->paths.pid, d->paths.lease, d->paths.log};
  if (const auto* s = std::get_if<ServiceInstance>(&instance)) return {s->pid_file, s->log_file};
  const auto& c = std::get<DhclientInstance>(instance);
  return {c.script_path, c.conf_path, c.pid_file, c.lease_file, c.log_file};
}

}  // namespace netlab
