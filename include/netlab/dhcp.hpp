// dnsmasq DHCP servers: the files and argv netlab uses for one `dhcp:` entry,
// a stable hash of them (restart-or-not decisions), the lease file, and the
// ownership check every stop goes through. Nothing here uses a shell; every
// path is under the lab's state directory, never a system default.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/processes.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// The directory that holds the daemon files (dnsmasq and DHCP client) of
/// namespace `ns`: <state>/netns/<ns>. One directory per namespace makes the
/// file names unambiguous: neither a namespace nor an interface name may
/// contain '/', so (ns, if) -> <state>/netns/<ns>/dnsmasq-<if>.conf is
/// one-to-one, where a flat dnsmasq-<ns>-<if> gave namespace a-b with
/// interface c and namespace a with interface b-c the same files. It also
/// keeps every path component under NAME_MAX (255): a namespace name is at
/// most 255 bytes on its own, and dnsmasq-<if>.leases at most 30.
std::string daemon_dir(const std::string& state_dir, const std::string& ns);
/// Removes daemon directory `dir` (a daemon_dir) and its parent <state>/netns
/// when they are empty; leaves them when another daemon still has files there.
void remove_empty_daemon_dir(const std::string& dir);

/// The files of one dnsmasq instance, all under the lab's state directory.
struct DnsmasqPaths {
  std::string conf;   ///< <state>/netns/<ns>/dnsmasq-<if>.conf (written by netlab)
  std::string pid;    ///< <state>/netns/<ns>/dnsmasq-<if>.pid
  std::string lease;  ///< <state>/netns/<ns>/dnsmasq-<if>.leases
  std::string log;    ///< <state>/netns/<ns>/dnsmasq-<if>.log (its log and stdout/stderr)
};

/// Everything needed to start, recognise and compare one dnsmasq instance.
struct DnsmasqInstance {
  std::string ns;         ///< namespace it runs in
  std::string interface;  ///< the one interface it serves
  DnsmasqPaths paths;
  std::string config_text;        ///< content of paths.conf
  std::vector<std::string> argv;  ///< argv[0] = "dnsmasq" (PATH lookup)
  std::string config_hash;        ///< config_hash(config_text, argv)
};

/// Paths of the instance serving `ifname` in `ns` under `state_dir`.
DnsmasqPaths dnsmasq_paths(const std::string& state_dir, const std::string& ns,
                           const std::string& ifname);

/// Builds the instance for `server`. `state_dir` is the lab's directory
/// (/run/netlab/<lab>); `iface_prefix` is the serving interface's address in
/// the range's subnet (used for the netmask when the topology gives none; may
/// be nullopt when `server.netmask` is set). Pure: touches nothing.
///
/// Decisions: DNS is off (--port=0, --no-resolv, --no-hosts): `dns:` only
/// advertises option 6. Without `router:` no option 3 is sent (dnsmasq would
/// otherwise offer itself as the default gateway, which a lab's DHCP
/// namespace usually is not). Lease time defaults to 1h. --no-ping and
/// --dhcp-authoritative make the first lease immediate.
Result<DnsmasqInstance> make_dnsmasq(const DhcpServer& server, const std::string& state_dir,
                                     const std::optional<IpPrefix>& iface_prefix);

/// Stable 16-hex-digit FNV-1a 64 of the config text and argv: equal inputs
/// give equal hashes across runs and machines; any change (a range, a path)
/// changes it.
std::string config_hash(std::string_view config_text, const std::vector<std::string>& argv);

/// One line of a dnsmasq lease file: "<expiry> <mac> <ip> <hostname> <client-id>".
struct DnsmasqLease {
  std::int64_t expiry = 0;  ///< seconds since the epoch; 0 = infinite
  std::string mac;          ///< lower-case
  IpAddress address;
  std::string hostname;   ///< "" when dnsmasq wrote "*"
  std::string client_id;  ///< "" when dnsmasq wrote "*"
};

/// Parses lease-file text. IPv6 lines ("duid ..." and v6 addresses) are
/// skipped; a malformed line is an error naming its line number.
Result<std::vector<DnsmasqLease>> parse_dnsmasq_leases(std::string_view text);
/// Reads and parses a lease file; a missing file is an empty list.
Result<std::vector<DnsmasqLease>> read_dnsmasq_leases(const std::string& path);

/// Writes the state directory (0700) and the config file (atomically).
/// Idempotent.
Status write_dnsmasq_files(const DnsmasqInstance& inst);
/// Writes the files, starts dnsmasq in `inst.ns`, writes the pid file and
/// waits until dnsmasq is serving (it wrote its pid file after binding its
/// sockets) or has died (then the error quotes its log). Does not check for
/// an already-running instance: call check_daemon first.
Result<int> start_dnsmasq(Processes& procs, const DnsmasqInstance& inst,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
/// Removes conf, pid, lease and log files (missing ones are fine), and the
/// namespace's daemon directory when nothing else is left in it. With
/// `keep_leases` the lease database stays: a server started again later
/// (after an interrupted `down`) still knows the leases its clients hold.
Status remove_dnsmasq_files(const DnsmasqInstance& inst, bool keep_leases = false);

// ---- daemons netlab started (dnsmasq, DHCP clients) ----

/// Whether the process named by a pid file is the daemon netlab started.
struct DaemonCheck {
  int pid = 0;         ///< from the pid file, 0 when none could be read
  bool ours = false;   ///< alive, in `ns`, and its cmdline equals argv
  std::string reason;  ///< why not ours ("no pid file", "pid 123 is not running", ...)
};

/// Reads `pid_file` and checks the process: alive, netns id equal to that of
/// `ns`, cmdline equal to `argv`. Only a process that passes may be killed.
/// When /run/netns/<ns> is gone (deleted under a running daemon, which keeps
/// the namespace alive), a process outside the root namespace whose cmdline
/// equals `argv` (it names the lab's own files) still counts as ours, so
/// `down` can stop it.
DaemonCheck check_daemon(Processes& procs, const std::string& pid_file, const std::string& ns,
                         const std::vector<std::string>& argv);
/// Stops the daemon of `pid_file` if check_daemon says it is ours
/// (SIGTERM, then SIGKILL after `timeout`) and removes the pid file. A stale
/// pid file (dead process, or a pid now used by something else) is removed
/// and nothing is killed. OK when nothing runs.
Status stop_daemon(Processes& procs, const std::string& pid_file, const std::string& ns,
                   const std::vector<std::string>& argv,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

/// Reads a pid file ("123\n"); nullopt when missing or not a positive number.
std::optional<int> read_pid_file(const std::string& path);
/// Writes "PID\n" atomically (temp file + rename), mode 0644.
Status write_pid_file(const std::string& path, int pid);

}  // namespace netlab
