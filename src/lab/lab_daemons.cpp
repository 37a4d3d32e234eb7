#include "lab/lab_daemons.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"

namespace netlab {

namespace {

bool in_path(const std::string& program) {
  // A path is looked up as it is (services may name one).
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
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
    if (const auto* s = std::get_if<ServiceInstance>(&d.instance)) {
      // Relative programs and a relative workdir depend on where netlab
      // runs; checked here, on the machine that runs them, before anything changes.
      auto missing = [&](const std::string& program, const std::string& what) {
        if (program.empty() || in_path(program)) return;
        errors.push_back(Error{ErrorKind::InvalidTopology,
                               "service '" + s->name + "': " + what + " '" + program + "' is " +
                                   (program.find('/') == std::string::npos
                                        ? "not found in PATH; install it or give its full path"
                                        : "not an executable file"),
                               d.pos, ENOENT});
      };
      missing(s->argv.front(), "command");
      if (s->ready.kind == ServiceReady::Kind::Command)
        missing(s->ready.command.front(), "ready command");
      continue;
    }
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

Status check_services_allowed(const DesiredState& desired, bool allowed) {
  if (allowed) return {};
  for (const auto& d : desired.daemons) {
    const auto* s = std::get_if<ServiceInstance>(&d.instance);
    if (!s) continue;
    std::size_t n = 0;
    for (const auto& x : desired.daemons) n += x.is_service();
    return Error{ErrorKind::Permission,
                 "service '" + s->name + "'" +
                     (n > 1 ? " (and " + std::to_string(n - 1) + " more)" : std::string()) +
                     ": the topology asks to run commands as root; a topology file may only "
                     "shape networking unless you allow its services: read them (netlab plan "
                     "shows each command), then pass --allow-services",
                 d.pos, 0};
  }
  return {};
}

Status wait_services_ready(const DesiredState& desired, const StateDir& state,
                           Processes& processes) {
  bool any = false;
  for (const auto& d : desired.daemons) any |= d.is_service();
  if (!any) return {};
  auto recorded = state.daemons();
  if (!recorded.ok()) return recorded.error();
  using Clock = std::chrono::steady_clock;
  for (const auto& d : desired.daemons) {
    const auto* s = std::get_if<ServiceInstance>(&d.instance);
    if (!s) continue;
    auto quote = [&] {
      std::string tail = log_tail(s->log_file);
      return "; log " + s->log_file + (tail.empty() ? " is empty" : ", last lines:\n" + tail);
    };
    auto deadline = Clock::now() + std::chrono::milliseconds(s->timeout_ms);
    while (true) {
      ServiceCheck c = check_service(processes, *s);
      if (!c.ours)
        return Error{ErrorKind::Process,
                     "service '" + s->name + "' is not running: " + c.reason + quote(), d.pos, 0};
      auto ready = service_ready(processes, *s, c.pid);
      if (ready.ok() && *ready) break;
      if (Clock::now() >= deadline)
        return Error{ErrorKind::Timeout,
                     "service '" + s->name + "' (pid " + std::to_string(c.pid) +
                         ") runs but is not ready" +
                         (ready.ok() ? std::string() : ": " + ready.error().message) + quote(),
                     d.pos, 0};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return {};
}

Result<std::map<std::string, DaemonState>> observe_daemons(const StateDir& state,
                                                           Processes& processes) {
  auto recorded = state.daemons();
  if (!recorded.ok()) return recorded.error();
  std::map<std::string, DaemonState> out;
  for (auto& [id, spec] : *recorded) {
    if (const auto* s = std::get_if<ServiceInstance>(&spec.instance)) {
      ServiceCheck check = check_service(processes, *s);
      DaemonState state{spec,         check.pid, check.ours,      check.reason,
                        std::nullopt, {},        check.exit_code, std::nullopt};
      if (check.ours) {
        auto ready = service_ready(processes, *s, check.pid);
        state.ready = ready.ok() && *ready;
      }
      out.emplace(id, std::move(state));
      continue;
    }
    DaemonCheck check = check_daemon(processes, spec.pid_file(), spec.ns(), spec.argv());
    DaemonState state{spec,         check.pid, check.ours,   check.reason,
                      std::nullopt, {},        std::nullopt, std::nullopt};
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
