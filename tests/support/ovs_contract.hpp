// The Open vSwitch contract: what every Ovs implementation must do
// (include/netlab/ovs.hpp), as plain functions with Catch2 assertions
// inside. Run against the FakeOvs (tests/unit/ovs/fake_ovs_test.cpp) and
// against the real OVSDB client (tests/integration/ovs/ovs_contract_test.cpp,
// datapath_type=netdev).
//
// Each function makes only bridges, ports and devices called `prefix` + a
// short suffix (so `prefix` must be at most 10 characters and unique to the
// call, e.g. testing::unique_name()), and removes every bridge and device it
// named even when an assertion fails. Nothing else of the switch is looked at.
#pragma once

#include <string>

#include "netlab/ovs.hpp"

namespace netlab::testing {

/// What a contract needs besides the Ovs itself: rows made outside netlab
/// and network devices, and their removal. Every call is best-effort except
/// that the add_* calls REQUIRE success.
class OvsWorld {
 public:
  virtual ~OvsWorld() = default;
  virtual Ovs& ovs() = 0;
  /// A netdev bridge made outside netlab (no external_ids mark), as
  /// `ovs-vsctl add-br` makes it.
  virtual void add_foreign_bridge(const std::string& name) = 0;
  /// An internal port without a mark on `bridge`, as `ovs-vsctl add-port` makes it.
  virtual void add_foreign_port(const std::string& bridge, const std::string& name) = 0;
  /// A network device `name` in the root namespace (what a system port opens).
  virtual void add_device(const std::string& name) = 0;
  /// Removes the bridge with all its ports if it exists (however marked).
  virtual void remove_bridge(const std::string& name) = 0;
  /// Removes the device if it exists.
  virtual void remove_device(const std::string& name) = 0;
};

/// A netdev bridge with an internal access port and a system trunk port on a
/// device: marks, datapath, types, tag, sorted trunks, ofports (the bridge's
/// own port 65534), no errors; observe shows each row once.
void ovs_contract_create_bridge_and_ports(OvsWorld& w, const std::string& prefix);
/// Tag and trunk changes modify the Port row in place (same uuid); a VLAN
/// change of a missing port fails (kind Ovs) and changes nothing.
void ovs_contract_vlan_changes(OvsWorld& w, const std::string& prefix);
/// Deleting a port leaves the others; deleting a bridge takes its ports;
/// deleting what is already gone is no error.
void ovs_contract_deletes(OvsWorld& w, const std::string& prefix);
/// A row without the lab's mark (or with another lab's) is never deleted or
/// changed, nor given ports: the whole transaction fails with kind Conflict
/// naming the row, and nothing of it happens.
void ovs_contract_ownership_guards(OvsWorld& w, const std::string& prefix);
/// Adopt marks unmarked rows as the lab's (then the lab may change them);
/// disown takes the mark off and keeps the row; adopting another lab's row
/// is a Conflict, adopting a missing one an Ovs error, disowning a missing
/// one nothing, disowning another lab's row a Conflict.
void ovs_contract_adopt_disown(OvsWorld& w, const std::string& prefix);
/// A system port whose device does not exist is committed with ofport -1
/// and OVS's error text, and apply fails naming it (and counting the rest).
void ovs_contract_port_without_device(OvsWorld& w, const std::string& prefix);
/// A bridge or port name that exists, or a port of a missing bridge, fails
/// the whole transaction (kind Ovs) and nothing of it happens.
void ovs_contract_duplicate_creates(OvsWorld& w, const std::string& prefix);

/// All of the above.
void ovs_contract_all(OvsWorld& w, const std::string& prefix);

}  // namespace netlab::testing
