// The Open vSwitch seam: OVSDB JSON-RPC (RFC 7047) on the database socket.
// Real implementation: make_ovsdb_client; fake: tests/fakes/fake_ovs.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netlab/error.hpp"

namespace netlab {

/// external_ids key that marks a row as owned by a lab.
inline constexpr const char* kOvsOwnerKey = "netlab-lab";
inline constexpr const char* kDefaultOvsdbSocket = "/var/run/openvswitch/db.sock";

/// One Port row with its (single) Interface row.
struct OvsPortState {
  std::string name;
  std::string type;  ///< Interface.type: "" (system device) or "internal", ...
  std::optional<int> tag;
  std::vector<int> trunks;                          ///< sorted
  std::map<std::string, std::string> external_ids;  ///< of the Port row
  std::int64_t ofport = -1;                         ///< -1 when OVS could not open the interface
  std::string error;                                ///< Interface.error, "" when none
  std::string port_uuid, interface_uuid;
  /// external_ids[netlab-lab] or "".
  std::string owner() const {
    auto it = external_ids.find(kOvsOwnerKey);
    return it == external_ids.end() ? std::string() : it->second;
  }
};

struct OvsBridgeState {
  std::string name;
  std::string datapath_type;  ///< "" (= system), "system" or "netdev"
  std::map<std::string, std::string> external_ids;
  std::vector<OvsPortState> ports;  ///< includes the bridge's own internal port
  std::string uuid;
  /// external_ids[netlab-lab] or "".
  std::string owner() const {
    auto it = external_ids.find(kOvsOwnerKey);
    return it == external_ids.end() ? std::string() : it->second;
  }
  /// The port named `n` of this bridge, or nullptr.
  const OvsPortState* find_port(const std::string& n) const {
    for (const auto& p : ports)
      if (p.name == n) return &p;
    return nullptr;
  }
};

struct OvsState {
  std::vector<OvsBridgeState> bridges;
  /// The bridge named `n`, or nullptr.
  const OvsBridgeState* find_bridge(const std::string& n) const {
    for (const auto& b : bridges)
      if (b.name == n) return &b;
    return nullptr;
  }
  /// The bridge holding port `n`, or nullptr.
  const OvsBridgeState* bridge_of_port(const std::string& n) const {
    for (const auto& b : bridges)
      if (b.find_port(n)) return &b;
    return nullptr;
  }
};

/// All OVS changes of one apply; executed as ONE OVSDB transaction. Every row
/// inserted carries external_ids:netlab-lab=<lab>. Deletes and modifications
/// are refused (the whole transaction fails) for rows not marked with <lab>.
struct OvsTransaction {
  std::string lab;
  struct AddBridge {
    std::string name;
    std::string datapath_type;  ///< "system" or "netdev"
  };
  struct AddPort {
    std::string bridge, name;
    bool internal = false;
    std::optional<int> tag;
    std::vector<int> trunks;
  };
  struct SetVlan {  ///< modify in place
    std::string name;
    std::optional<int> tag;
    std::vector<int> trunks;
  };
  struct DelPort {
    std::string bridge, name;
  };
  std::vector<AddBridge> add_bridges;
  std::vector<AddPort> add_ports;
  std::vector<SetVlan> set_vlans;
  std::vector<DelPort> del_ports;
  std::vector<std::string> del_bridges;  ///< with all their ports
  /// --adopt: unmarked rows (made outside netlab) that get the lab's mark,
  /// first in the transaction, so that the rest of it may use them as the
  /// lab's. Refused for a row another lab owns.
  std::vector<std::string> adopt_bridges, adopt_ports;
  /// The undo of adopting: the lab's mark comes off, the row stays.
  std::vector<std::string> disown_bridges, disown_ports;
  bool empty() const {
    return add_bridges.empty() && add_ports.empty() && set_vlans.empty() && del_ports.empty() &&
           del_bridges.empty() && adopt_bridges.empty() && adopt_ports.empty() &&
           disown_bridges.empty() && disown_ports.empty();
  }
};

class Ovs {
 public:
  virtual ~Ovs() = default;
  /// OK when ovsdb-server answers; otherwise one clear error (kind Ovs):
  /// "Open vSwitch is not running (...): start it with /usr/share/openvswitch/scripts/ovs-ctl
  /// start".
  virtual Status check_available() = 0;
  virtual Result<OvsState> observe() = 0;
  /// Applies `txn` as one transaction, then waits (bounded by `timeout`) for
  /// ovs-vswitchd to apply it (next_cfg / cur_cfg), then checks each added
  /// interface: one OVS could not open (ofport -1 / error set) fails with
  /// OVS's error text, naming the interface. The transaction is not undone
  /// by this call (the caller rolls back).
  virtual Status apply(const OvsTransaction& txn, std::chrono::milliseconds timeout) = 0;
  /// "system" when the kernel datapath works here, else "netdev". Cached.
  virtual Result<std::string> auto_datapath() = 0;
};

/// The real OVSDB client on a unix socket.
std::unique_ptr<Ovs> make_ovsdb_client(const std::string& socket_path = kDefaultOvsdbSocket);

}  // namespace netlab
