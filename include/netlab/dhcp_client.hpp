// DHCP clients for `dhcp: true` interfaces: ISC dhclient run in the
// interface's namespace with netlab's own script, config, pid and lease
// files. The script netlab writes only changes that interface's addresses
// and default route inside the namespace; it never touches a host file
// (Debian's dhclient-script rewrote the host's /etc/resolv.conf).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "netlab/processes.hpp"

namespace netlab {

/// Everything needed to start, recognise and compare one DHCP client.
struct DhclientInstance {
  std::string ns;           ///< namespace of the interface
  std::string interface;    ///< the interface that gets the lease
  std::string script_path;  ///< <state>/netns/<ns>/dhclient-<if>.sh (mode 0700), dhclient's -sf
  std::string
      conf_path;  ///< <state>/netns/<ns>/dhclient-<if>.conf, -cf (never /etc/dhcp/dhclient.conf)
  std::string pid_file;    ///< <state>/netns/<ns>/dhclient-<if>.pid, written by netlab (--no-pid)
  std::string lease_file;  ///< <state>/netns/<ns>/dhclient-<if>.leases, -lf
  std::string log_file;    ///< <state>/netns/<ns>/dhclient-<if>.log (stdout/stderr)
  std::string script_text;
  std::string conf_text;
  std::vector<std::string> argv;  ///< argv[0] = "dhclient" (PATH lookup)
  std::string config_hash;        ///< over script, conf and argv
};

/// Builds the instance for interface `ifname` in namespace `ns`, files under
/// `state_dir` (the lab's /run/netlab/<lab>). Pure: touches nothing.
/// dhclient runs in the foreground (-d, so the spawned pid is the client),
/// IPv4 only (-4), with fast retransmits (initial-interval 1s).
Result<DhclientInstance> make_dhclient(const std::string& state_dir, const std::string& ns,
                                       const std::string& ifname);

/// Writes the state directory (0700), the script (0700) and config (0644). Idempotent.
Status write_dhclient_files(const DhclientInstance& inst);
/// Writes the files, starts dhclient in `inst.ns` and writes its pid file.
/// Returns the pid at once; wait_for_lease waits for the address.
/// Does not check for a running instance: call check_daemon first.
Result<int> start_dhclient(Processes& procs, const DhclientInstance& inst);
/// Removes script, config, pid, lease and log files (missing ones are fine),
/// and the namespace's daemon directory when nothing else is left in it.
Status remove_dhclient_files(const DhclientInstance& inst);

/// The lease dhclient recorded for one interface.
struct DhclientLease {
  IpPrefix address;  ///< fixed-address with the subnet mask's length (/32 without one)
  std::optional<IpAddress> router;  ///< first of `option routers`
  std::optional<IpAddress> server;  ///< dhcp-server-identifier
};

/// Parses dhclient lease-file text; returns the last lease for `ifname`.
Result<std::optional<DhclientLease>> parse_dhclient_leases(std::string_view text,
                                                           const std::string& ifname);
/// Reads `inst.lease_file` (missing = no lease yet).
Result<std::optional<DhclientLease>> leased_address(const DhclientInstance& inst);

/// Waits until dhclient recorded a lease for the interface and the interface
/// holds that address (checked with `ip -4 -o addr show dev IF` in the
/// namespace), bounded by `timeout`. `pid` (0 = unknown) is watched: if the
/// client dies the error says so at once. Errors name the namespace and the
/// interface and quote the client's log.
Result<DhclientLease> wait_for_lease(Processes& procs, const DhclientInstance& inst, int pid,
                                     std::chrono::milliseconds timeout);

/// The IPv4 addresses of `ifname` in `ns`, from `ip -4 -o addr show dev IF`.
Result<std::vector<IpPrefix>> interface_ipv4_addresses(Processes& procs, const std::string& ns,
                                                       const std::string& ifname);

}  // namespace netlab
