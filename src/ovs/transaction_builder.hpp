// Turning an OvsTransaction into the operations of ONE OVSDB `transact`
// (RFC 7047 §5.2), and the transact reply back into an Error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netlab/ovs.hpp"
#include "ovs/ovsdb_value.hpp"

namespace netlab::ovs {

/// The built transaction. params = ["Open_vSwitch", op, ...]; labels[i] names
/// what op i does for error messages ("add port veth-r to ovs1").
struct BuiltTransaction {
  Json params;
  std::vector<std::string> labels;
  std::vector<bool> is_guard;  ///< op i is an ownership `wait`
  /// Op index whose select result holds the incremented next_cfg.
  std::size_t next_cfg_select = 0;
  struct AddedInterface {
    std::string name, bridge;
  };
  /// Every interface this transaction inserts (a new bridge's own one included).
  std::vector<AddedInterface> added_interfaces;
  /// Rows inserted, by table and name, with their label: to name the culprit
  /// of a commit-time constraint violation (duplicate name).
  struct Inserted {
    std::string table, name, label;
  };
  std::vector<Inserted> inserted;
  /// False when nothing is to change (e.g. only deletes of rows already gone):
  /// then the transaction need not be sent.
  bool changes = false;
  /// Number of operations (params.size() - 1).
  std::size_t op_count() const { return labels.size(); }
};

/// Builds the operations of `txn` against `current` (a fresh observe), in
/// this order: ownership guards (`wait`, timeout 0, on every Bridge/Port row
/// that is modified or deleted: it must still carry external_ids
/// netlab-lab=<lab>), inserts (Interface, Port, Bridge; named UUIDs; every row
/// marked with the lab), Bridge.ports insert mutations, Open_vSwitch.bridges
/// insert, Port updates (tag/trunks in place), Bridge.ports delete mutations,
/// Open_vSwitch.bridges delete, next_cfg += 1, select next_cfg, comment.
/// Fails, before anything is sent, when a row to change or delete is not
/// marked with the lab (kind Conflict, naming it), when a port is added to a
/// bridge that neither exists nor is added, or when a VLAN change names a
/// missing port. Deleting a port or bridge that does not exist is a no-op.
Result<BuiltTransaction> build_transaction(const OvsTransaction& txn, const OvsState& current);

/// The first error of a transact reply `result` (per-op errors and the extra
/// commit-time error, e.g. a duplicate name), as
/// "ovsdb transact (LABEL): ERROR: DETAILS"; nullopt when every op succeeded.
/// A failed ownership guard becomes kind Conflict.
std::optional<Error> transact_reply_error(const BuiltTransaction& built, const Json& result);

/// The next_cfg value read back by the transaction, from its reply.
Result<std::int64_t> read_next_cfg(const BuiltTransaction& built, const Json& result);

}  // namespace netlab::ovs
