#include "lab/lab_daemons.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"

namespace netlab {

namespace {

bool in_path(const std::string& program) {
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::vector<Error> missing_programs(const DesiredState& desired) {
  std::vector<Error> errors;
  for (const auto& d : desired.daemons) {
    const std::string& program = d.argv().front();
    if (in_path(program)) continue;
    std::string package = d.is_server() ? "dnsmasq-base" : "isc-dhcp-client";
    errors.push_back(Error{ErrorKind::Unsupported,
                           std::string(d.is_server() ? "DHCP server" : "DHCP client") + " on '" +
                               d.interface() + "': " + program + " is not installed; install it " +
                               "with: apt-get install " + package,
                           d.pos, ENOENT});
  }
  return errors;
}

Result<std::map<std::string, DaemonState>> observe_daemons(const StateDir& state,
                                                           Processes& processes) {
  auto recorded = state.daemons();
  if (!recorded.ok()) return recorded.error();
  std::map<std::string, DaemonState> out;
  for (auto& [id, spec] : *recorded) {
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
