// An in-memory Open vSwitch for unit tests: the OVSDB tables Bridge / Port /
// Interface with the semantics netlab relies on from the real thing, as
// checked by the contract in tests/support/ovs_contract.hpp (which the real
// OVSDB client passes too).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "netlab/ovs.hpp"

namespace netlab::testing {

/// A fake Ovs. Like the real client:
/// - apply() is atomic: a duplicate bridge/port name, a port added to a
///   missing bridge, a VLAN change of a missing port, or any change or delete
///   of a row not marked with the transaction's lab fails the whole
///   transaction and changes nothing (ownership refusals are kind Conflict);
/// - deleting (or disowning) a bridge or port that does not exist is a no-op;
/// - disowning a row the lab does not own is refused like a delete;
/// - VLAN changes modify the Port row in place (its uuid stays);
/// - a system (non-internal) interface whose network device does not exist
///   (device_exists), or one set up to fail (fail_interface), is committed,
///   gets ofport -1 and the error text, and apply() then fails naming it
///   (and counting the others) — the transaction is not undone, as with real
///   ovs-vswitchd. Internal interfaces make their own device.
/// Not thread-safe.
class FakeOvs : public Ovs {
 public:
  Status check_available() override;
  Result<OvsState> observe() override;
  Status apply(const OvsTransaction& txn, std::chrono::milliseconds timeout) override;
  Result<std::string> auto_datapath() override;

  // --- knobs -------------------------------------------------------------
  /// false: every call fails with the "Open vSwitch is not running" error.
  bool available = true;
  /// The socket path named in that error.
  std::string socket_path = kDefaultOvsdbSocket;
  /// What auto_datapath() answers ("netdev" like this project's machines).
  std::string datapath = "netdev";
  /// ovs-vswitchd does not catch up: apply() commits, then fails with kind Timeout.
  bool vswitchd_stalled = false;
  /// ovs-vswitchd cannot open interface `name`: apply() commits it with
  /// ofport -1 and `error` (default: "could not open network device NAME
  /// (No such device)") and fails naming it.
  void fail_interface(const std::string& name, const std::string& error = "");
  /// The next apply() fails with `e` before changing anything.
  void fail_next_apply(Error e) { next_apply_error_ = std::move(e); }
  /// Network devices a system port can open (ovs-vswitchd's namespace).
  void add_device(const std::string& name) { devices_.insert(name); }
  void remove_device(const std::string& name) { devices_.erase(name); }
  /// Whether system interface `name` has a device to open; by default the
  /// devices added with add_device.
  virtual bool device_exists(const std::string& name) const { return devices_.count(name) > 0; }

  // --- seeding rows not made through apply() ------------------------------
  /// A bridge (with its own internal port) marked with `owner` ("" = no mark,
  /// as `ovs-vsctl add-br` makes it).
  void seed_bridge(const std::string& name, const std::string& datapath_type = "netdev",
                   const std::string& owner = "");
  /// A port of an existing seeded or applied bridge, marked with `owner` ("" = none).
  /// A system port without a device gets ofport -1 and the error, as in apply().
  void seed_port(const std::string& bridge, const std::string& name, const std::string& owner = "",
                 std::optional<int> tag = std::nullopt, bool internal = false);
  /// Removes a bridge and its ports whatever their marks (`ovs-vsctl del-br`).
  void remove_bridge(const std::string& name);

  // --- inspection ----------------------------------------------------------
  /// The tables as they are now.
  const OvsState& state() const { return state_; }
  int check_available_calls = 0;
  int observe_calls = 0;
  int apply_calls = 0;      ///< every apply(), including failed ones
  int commits = 0;          ///< transactions that changed the tables
  int datapath_probes = 0;  ///< auto_datapath() probes (cached after the first)
  /// Every transaction passed to apply(), in order.
  std::vector<OvsTransaction> history;

 private:
  OvsPortState make_port(const std::string& name, const std::string& type,
                         const std::string& owner);
  std::string next_uuid();

  OvsState state_;
  /// Opens a new interface as ovs-vswitchd does: ofport, or -1 and the
  /// error text (returned) when it cannot.
  std::optional<std::string> open_interface(OvsPortState& p, bool bridge_local);

  std::map<std::string, std::string> failing_;  // interface -> error text
  std::set<std::string> devices_;
  std::optional<Error> next_apply_error_;
  std::optional<std::string> probed_;
  int uuid_counter_ = 0;
  std::int64_t ofport_counter_ = 0;
};

}  // namespace netlab::testing
