// A supervised daemon of a lab (dnsmasq server or DHCP client): what the
// planner compares, the executor starts and stops, and the state directory
// records so that `down` finds it without the topology.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "netlab/error.hpp"
#include "netlab/service.hpp"

namespace netlab {

struct DaemonSpec {
  std::variant<DnsmasqInstance, DhclientInstance, ServiceInstance> instance;
  SourcePos pos;

  bool is_server() const { return instance.index() == 0; }
  bool is_client() const { return instance.index() == 1; }
  bool is_service() const { return instance.index() == 2; }
  /// "dnsmasq dhcp-r/tap-r", "dhclient red/eth0-r" or "service http": unique in a lab.
  std::string id() const;
  const std::string& ns() const;
  /// The interface a DHCP daemon serves; "" for a service.
  const std::string& interface() const;
  const std::string& pid_file() const;
  const std::vector<std::string>& argv() const;
  const std::string& config_hash() const;
  /// Every file the daemon and netlab write for it (removed when it stops).
  std::vector<std::string> files() const;
};

/// A daemon recorded in the state directory, with what is known of it now.
struct DaemonState {
  DaemonSpec spec;
  int pid = 0;
  bool running = false;  ///< alive, in its namespace, with our command line
  std::string why_not;   ///< when not running: "no pid file", "pid 12 is not running", ...
  std::optional<DhclientLease> lease;  ///< a client's lease from its lease file, if any
  std::vector<DnsmasqLease> served;    ///< a server's leases from its lease file
  std::optional<int> exit_code;        ///< a service that ended, when its status is known
  /// A running service: whether its readiness check passes now.
  std::optional<bool> ready;
};

}  // namespace netlab
