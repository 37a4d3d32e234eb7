// ISC dhclient with netlab's own script and files.
#include <sys/stat.h>

#include <cerrno>
#include <thread>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "services/files.hpp"

namespace netlab {
namespace {

bool plain_name(const std::string& n) {
  if (n.empty() || n == "." || n == "..") return false;
  for (unsigned char c : n)
    if (c <= ' ' || c == '/' || c == 0x7f || c == '"' || c == '\\' || c == ';') return false;
  return true;
}

// Values come only from dhclient's environment, always quoted; nothing from
// the topology is interpolated. Only the interface's addresses and default
// route change, inside the namespace dhclient runs in.
constexpr const char* kScript = R"(#!/bin/sh
# Written by netlab: applies a DHCP lease inside the client's namespace.
# Changes only this interface's IPv4 addresses and default route: never
# /etc/resolv.conf, the hostname, or any other file; runs no hooks.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
set -f

case "$reason" in
  PREINIT)
    ip link set dev "$interface" up
    ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr del "$old_ip_address/$old_subnet_mask" dev "$interface" 2>/dev/null
    fi
    mask="${new_subnet_mask:-255.255.255.255}"
    ip -4 addr replace "$new_ip_address/$mask" brd + dev "$interface" || exit 1
    if [ -n "$new_routers" ]; then
      ip -4 route replace default via "${new_routers%% *}" dev "$interface"
    fi
    ;;
  EXPIRE|FAIL|RELEASE|STOP)
    if [ -n "$old_ip_address" ]; then
      ip -4 addr del "$old_ip_address/${old_subnet_mask:-255.255.255.255}" dev "$interface" 2>/dev/null
    fi
    ;;
  TIMEOUT)
    # An old lease from the lease file was not confirmed: do not use it.
    exit 1
    ;;
esac
exit 0
)";

// initial-interval/backoff-cutoff: a DISCOVER lost because the server was not
// up yet is retried after ~1 s instead of ~10 s. retry: after `timeout` with
// no server, try again after 1 s instead of 5 min.
constexpr const char* kConf =
    R"(# Written by netlab: replaces /etc/dhcp/dhclient.conf for this client.
request subnet-mask, broadcast-address, routers, interface-mtu;
initial-delay 0;
initial-interval 1;
backoff-cutoff 2;
timeout 60;
retry 1;
)";

int mask_length(const IpAddress& mask) {
  int n = 0;
  for (int i = 0; i < 4; ++i)
    for (int b = 7; b >= 0; --b) {
      if (!(mask.bytes[i] >> b & 1)) return n;
      ++n;
    }
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == ';'))
    s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Result<DhclientInstance> make_dhclient(const std::string& state_dir, const std::string& ns,
                                       const std::string& ifname) {
  if (!plain_name(ns) || !plain_name(ifname))
    return make_error(ErrorKind::InvalidTopology,
                      "dhcp client " + ns + ":" + ifname + ": invalid name");
  if (state_dir.empty() || state_dir[0] != '/')
    return make_error(ErrorKind::Bug,
                      "dhcp client " + ns + ":" + ifname + ": state directory must be absolute");
  DhclientInstance inst;
  inst.ns = ns;
  inst.interface = ifname;
  std::string base = daemon_dir(state_dir, ns) + "/dhclient-" + ifname;
  inst.script_path = base + ".sh";
  inst.conf_path = base + ".conf";
  inst.pid_file = base + ".pid";
  inst.lease_file = base + ".leases";
  inst.log_file = base + ".log";
  inst.script_text = kScript;
  inst.conf_text = kConf;
  // --no-pid: the pid file is netlab's alone (start_dhclient writes it whole,
  // by rename). dhclient would rewrite it in place after each bind, and a
  // reader between its truncate and its write saw no pid at all.
  inst.argv = {"dhclient", "-4",           "-d",       "-v",  "-sf",           inst.script_path,
               "-cf",      inst.conf_path, "--no-pid", "-lf", inst.lease_file, ifname};
  inst.config_hash = config_hash(inst.script_text + '\0' + inst.conf_text, inst.argv);
  return inst;
}

Status write_dhclient_files(const DhclientInstance& inst) {
  if (auto s = services::make_dirs(services::dir_of(inst.script_path), 0700); !s) return s;
  if (auto s = services::write_file_atomic(inst.script_path, inst.script_text, 0700); !s) return s;
  return services::write_file_atomic(inst.conf_path, inst.conf_text, 0644);
}

Result<int> start_dhclient(Processes& procs, const DhclientInstance& inst) {
  if (auto s = write_dhclient_files(inst); !s) return s.error();
  if (auto s = services::remove_file(inst.pid_file); !s) return s.error();
  auto pid = procs.spawn(inst.ns, inst.argv, inst.log_file);
  if (!pid) return pid.error();
  if (auto s = write_pid_file(inst.pid_file, *pid); !s) {
    (void)procs.terminate(*pid, std::chrono::milliseconds(1000));
    return s.error();
  }
  return *pid;
}

Status remove_dhclient_files(const DhclientInstance& inst) {
  for (const auto* p :
       {&inst.script_path, &inst.conf_path, &inst.pid_file, &inst.lease_file, &inst.log_file})
    if (auto s = services::remove_file(*p); !s) return s;
  remove_empty_daemon_dir(services::dir_of(inst.script_path));
  return Status();
}

Result<std::optional<DhclientLease>> parse_dhclient_leases(std::string_view text,
                                                           const std::string& ifname) {
  std::optional<DhclientLease> last;
  bool in_lease = false;
  std::string iface;
  std::optional<IpAddress> addr, mask, router, server;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line == "lease {") {
      in_lease = true;
      iface.clear();
      addr = mask = router = server = std::nullopt;
      continue;
    }
    if (!in_lease) continue;
    if (line == "}") {
      in_lease = false;
      if (iface == ifname && addr && addr->family == 4) {
        DhclientLease l;
        l.address = IpPrefix{*addr, mask ? mask_length(*mask) : 32};
        l.router = router;
        l.server = server;
        last = l;
      }
      continue;
    }
    if (starts_with(line, "interface ")) {
      std::string_view v = trim(line.substr(10));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      iface = std::string(v);
    } else if (starts_with(line, "fixed-address ")) {
      addr = IpAddress::parse(trim(line.substr(14)));
    } else if (starts_with(line, "option subnet-mask ")) {
      mask = IpAddress::parse(trim(line.substr(19)));
    } else if (starts_with(line, "option routers ")) {
      std::string_view v = trim(line.substr(15));
      router = IpAddress::parse(v.substr(0, v.find(',')));
    } else if (starts_with(line, "option dhcp-server-identifier ")) {
      server = IpAddress::parse(trim(line.substr(30)));
    }
  }
  return last;
}

Result<std::optional<DhclientLease>> leased_address(const DhclientInstance& inst) {
  auto text = services::read_file(inst.lease_file);
  if (!text) {
    if (text.error().sys_errno == ENOENT) return std::optional<DhclientLease>{};
    return text.error();
  }
  return parse_dhclient_leases(*text, inst.interface);
}

Result<std::vector<IpPrefix>> interface_ipv4_addresses(Processes& procs, const std::string& ns,
                                                       const std::string& ifname) {
  auto r = procs.run(ns, {"ip", "-4", "-o", "addr", "show", "dev", ifname},
                     std::chrono::milliseconds(5000));
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(ErrorKind::Process, "ip -4 addr show dev " + ifname + " in " +
                                              (ns.empty() ? "root namespace" : "netns " + ns) +
                                              ": " + r->output);
  // "2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\       valid_lft ..."
  std::vector<IpPrefix> out;
  std::string_view s = r->output;
  size_t pos = 0;
  while ((pos = s.find(" inet ", pos)) != std::string_view::npos) {
    pos += 6;
    size_t end = s.find(' ', pos);
    auto p = IpPrefix::parse(s.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (p) out.push_back(*p);
  }
  return out;
}

Result<DhclientLease> wait_for_lease(Processes& procs, const DhclientInstance& inst, int pid,
                                     std::chrono::milliseconds timeout) {
  std::string what = "dhcp client " + inst.ns + ":" + inst.interface;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_state = "no lease recorded in " + inst.lease_file;
  while (true) {
    auto lease = leased_address(inst);
    if (!lease) return lease.error();
    if (*lease) {
      auto addrs = interface_ipv4_addresses(procs, inst.ns, inst.interface);
      if (!addrs) return addrs.error();
      for (const auto& a : *addrs)
        if (a == (*lease)->address) return **lease;
      last_state = "leased " + (*lease)->address.str() + " but the interface does not hold it";
    }
    if (pid > 0 && !procs.inspect(pid).alive)
      return make_error(ErrorKind::Process, what + ": dhclient (pid " + std::to_string(pid) +
                                                ") exited before a lease; log " + inst.log_file +
                                                ": " + services::file_tail(inst.log_file));
    if (std::chrono::steady_clock::now() >= deadline)
      return make_error(ErrorKind::Timeout, what + ": no DHCP lease after " +
                                                std::to_string(timeout.count()) + " ms (" +
                                                last_state + "); log " + inst.log_file + ": " +
                                                services::file_tail(inst.log_file));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace netlab
