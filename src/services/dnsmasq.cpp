// dnsmasq instances: config text + argv (pure), lease files, start.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <thread>

#include "netlab/dhcp.hpp"
#include "services/files.hpp"

namespace netlab {
namespace {

std::string netmask_of(int length) {
  std::uint32_t m = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
  IpAddress a;
  a.family = 4;
  for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<std::uint8_t>(m >> (24 - 8 * i));
  return a.str();
}

std::string object_name(const DhcpServer& s) {
  return "dhcp server " + s.namespace_name + ":" + s.interface;
}

/// Names go into file names and argv; they must be plain Linux names.
bool plain_name(const std::string& n) {
  if (n.empty() || n == "." || n == "..") return false;
  for (unsigned char c : n)
    if (c <= ' ' || c == '/' || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string daemon_dir(const std::string& state_dir, const std::string& ns) {
  return state_dir + "/netns/" + ns;
}

void remove_empty_daemon_dir(const std::string& dir) {
  // rmdir fails (ENOTEMPTY) while another daemon keeps files there: that is fine.
  if (::rmdir(dir.c_str()) == 0) ::rmdir(services::dir_of(dir).c_str());
}

DnsmasqPaths dnsmasq_paths(const std::string& state_dir, const std::string& ns,
                           const std::string& ifname) {
  std::string base = daemon_dir(state_dir, ns) + "/dnsmasq-" + ifname;
  return {base + ".conf", base + ".pid", base + ".leases", base + ".log"};
}

std::string config_hash(std::string_view config_text, const std::vector<std::string>& argv) {
  std::uint64_t h = 14695981039346656037ULL;
  auto feed = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator that cannot be confused with text (0xff is no UTF-8 byte)
    h *= 1099511628211ULL;
  };
  feed(config_text);
  for (const auto& a : argv) feed(a);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Result<DnsmasqInstance> make_dnsmasq(const DhcpServer& server, const std::string& state_dir,
                                     const std::optional<IpPrefix>& iface_prefix) {
  if (!plain_name(server.namespace_name) || !plain_name(server.interface))
    return make_error(ErrorKind::InvalidTopology, object_name(server) + ": invalid name",
                      server.pos);
  if (server.namespace_name == kHostName)
    return make_error(ErrorKind::Unsupported,
                      object_name(server) +
                          ": a DHCP server in the root namespace is refused (the system's own "
                          "dnsmasq may hold port 67 there); put it in a lab namespace",
                      server.namespace_pos);
  if (state_dir.empty() || state_dir[0] != '/')
    return make_error(ErrorKind::Bug, object_name(server) + ": state directory must be absolute");
  if (server.range_start.family != 4 || server.range_end.family != 4)
    return make_error(ErrorKind::Unsupported,
                      object_name(server) + ": only IPv4 DHCP ranges are supported",
                      server.range_pos);
  if (server.range_end < server.range_start)
    return make_error(ErrorKind::InvalidTopology,
                      object_name(server) + ": range end " + server.range_end.str() +
                          " is before its start " + server.range_start.str(),
                      server.range_pos);

  std::string netmask;
  if (server.netmask) {
    netmask = server.netmask->value.str();
  } else if (iface_prefix && iface_prefix->family() == 4) {
    if (!iface_prefix->contains(server.range_start) || !iface_prefix->contains(server.range_end))
      return make_error(ErrorKind::InvalidTopology,
                        object_name(server) + ": range " + server.range_start.str() + "-" +
                            server.range_end.str() + " is not inside " +
                            iface_prefix->network().str(),
                        server.range_pos);
    netmask = netmask_of(iface_prefix->length);
  } else {
    return make_error(ErrorKind::InvalidTopology,
                      object_name(server) + ": no netmask given and interface " + server.interface +
                          " has no IPv4 address to derive it from",
                      server.pos);
  }
  // dnsmasq's own default is 1h; written out so the config says what it does.
  int lease_s = server.lease_seconds ? server.lease_seconds->value : 3600;
  std::string lease = lease_s == kInfiniteLease ? "infinite" : std::to_string(lease_s);

  DnsmasqInstance inst;
  inst.ns = server.namespace_name;
  inst.interface = server.interface;
  inst.paths = dnsmasq_paths(state_dir, server.namespace_name, server.interface);

  std::string& c = inst.config_text;
  c += "# Written by netlab for " + object_name(server) + "; regenerated on every up.\n";
  c += "dhcp-range=" + server.range_start.str() + "," + server.range_end.str() + "," + netmask +
       "," + lease + "\n";
  if (server.router) {
    c += "dhcp-option=option:router," + server.router->value.str() + "\n";
  } else {
    c += "# no router in the topology: send no default gateway (option 3 empty)\n";
    c += "dhcp-option=3\n";
  }
  if (!server.dns.empty()) {
    c += "dhcp-option=option:dns-server";
    for (const auto& d : server.dns) c += "," + d.value.str();
    c += "\n";
  }
  for (const auto& h : server.hosts) c += "dhcp-host=" + h.mac + "," + h.address.str() + "\n";

  // Isolation and paths live in argv: each is the lab's own, so nothing is
  // shared with another lab or the system's dnsmasq service.
  inst.argv = {
      "dnsmasq",
      "--conf-file=" + inst.paths.conf,  // the only config file: no /etc/dnsmasq.conf, no .d
      "--keep-in-foreground",            // the spawned pid is the daemon's pid
      "--pid-file=" + inst.paths.pid,
      "--dhcp-leasefile=" + inst.paths.lease,
      "--log-facility=" + inst.paths.log,
      "--log-dhcp",
      "--interface=" + server.interface,
      "--except-interface=lo",
      "--bind-interfaces",
      "--port=0",     // no DNS service...
      "--no-resolv",  // ...and never the host's resolv.conf
      "--no-hosts",   // nor the host's /etc/hosts
      "--dhcp-authoritative",
      "--no-ping",  // no ICMP probe before an offer: the first lease is immediate
  };
  inst.config_hash = config_hash(inst.config_text, inst.argv);
  return inst;
}

Result<std::vector<DnsmasqLease>> parse_dnsmasq_leases(std::string_view text) {
  std::vector<DnsmasqLease> out;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::vector<std::string_view> f;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      if (j > i) f.push_back(line.substr(i, j - i));
      i = j;
    }
    if (f.empty()) continue;
    if (f[0] == "duid") continue;  // DHCPv6 server DUID line
    auto bad = [&](const std::string& why) {
      return make_error(ErrorKind::Process, "lease file line " + std::to_string(line_no) + ": " +
                                                why + ": '" + std::string(line) + "'");
    };
    if (f.size() < 4) return bad("expected '<expiry> <mac> <ip> <hostname> [<client-id>]'");
    DnsmasqLease l;
    auto [p, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), l.expiry);
    if (ec != std::errc() || p != f[0].data() + f[0].size()) return bad("bad expiry");
    auto addr = IpAddress::parse(f[2]);
    if (!addr) return bad("bad address");
    if (addr->family == 6) continue;  // DHCPv6 lease: IAID in place of the MAC
    l.address = *addr;
    auto mac = parse_mac(f[1]);
    // Non-Ethernet hardware types are written as "<type>-<hex>"; keep them as text.
    l.mac = mac ? format_mac(*mac) : std::string(f[1]);
    l.hostname = f[3] == "*" ? "" : std::string(f[3]);
    if (f.size() >= 5 && f[4] != "*") l.client_id = std::string(f[4]);
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<DnsmasqLease>> read_dnsmasq_leases(const std::string& path) {
  auto text = services::read_file(path);
  if (!text) {
    if (text.error().sys_errno == ENOENT) return std::vector<DnsmasqLease>{};
    return text.error();
  }
  return parse_dnsmasq_leases(*text);
}

Status write_dnsmasq_files(const DnsmasqInstance& inst) {
  if (auto s = services::make_dirs(services::dir_of(inst.paths.conf), 0700); !s) return s;
  return services::write_file_atomic(inst.paths.conf, inst.config_text, 0644);
}

Result<int> start_dnsmasq(Processes& procs, const DnsmasqInstance& inst,
                          std::chrono::milliseconds timeout) {
  std::string what = "dnsmasq for " + inst.ns + ":" + inst.interface;
  if (auto s = write_dnsmasq_files(inst); !s) return s.error();
  // dnsmasq writes its pid file once its sockets are bound: a fresh pid file
  // holding the spawned pid is the readiness signal.
  if (auto s = services::remove_file(inst.paths.pid); !s) return s.error();
  auto pid = procs.spawn(inst.ns, inst.argv, inst.paths.log);
  if (!pid) return pid.error();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  while (true) {
    if (read_pid_file(inst.paths.pid) == *pid) return *pid;
    if (!procs.inspect(*pid).alive) {
      return make_error(ErrorKind::Process, "start " + what + ": dnsmasq exited at startup; log " +
                                                inst.paths.log + ": " +
                                                services::file_tail(inst.paths.log));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)procs.terminate(*pid, std::chrono::milliseconds(1000));
      return make_error(ErrorKind::Timeout, "start " + what + ": no pid file " + inst.paths.pid +
                                                " after " + std::to_string(timeout.count()) +
                                                " ms; log: " + services::file_tail(inst.paths.log));
    }
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(20));
  }
}

Status remove_dnsmasq_files(const DnsmasqInstance& inst, bool keep_leases) {
  for (const auto* p : {&inst.paths.conf, &inst.paths.pid, &inst.paths.lease, &inst.paths.log}) {
    if (keep_leases && p == &inst.paths.lease) continue;
    if (auto s = services::remove_file(*p); !s) return s;
  }
  remove_empty_daemon_dir(services::dir_of(inst.paths.conf));
  return Status();
}

}  // namespace netlab
