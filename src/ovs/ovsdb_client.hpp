// The real Ovs: an OVSDB JSON-RPC client of ovsdb-server's unix socket.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netlab/ovs.hpp"
#include "ovs/json_rpc.hpp"
#include "ovs/transaction_builder.hpp"

namespace netlab::ovs {

/// Implements Ovs on one lazily opened connection (reopened after an error).
/// Every request is bounded by `rpc_timeout`; apply()'s wait for
/// ovs-vswitchd is bounded by its own timeout argument.
class OvsdbClient : public Ovs {
 public:
  explicit OvsdbClient(std::string socket_path,
                       std::chrono::milliseconds rpc_timeout = std::chrono::seconds(10));

  Status check_available() override;
  Result<OvsState> observe() override;
  Status apply(const OvsTransaction& txn, std::chrono::milliseconds timeout) override;
  Result<std::string> auto_datapath() override;

  /// An interface ovs-vswitchd failed to open after a commit.
  struct FailedInterface {
    std::string name, bridge, error;
  };
  /// apply() without turning failed interfaces into an error: the commit and
  /// the wait for ovs-vswitchd succeeded, and these interfaces did not open.
  Result<std::vector<FailedInterface>> apply_and_check(const OvsTransaction& txn,
                                                       std::chrono::milliseconds timeout);

 private:
  Result<JsonRpcConnection*> connection();
  Result<Json> transact(Json params, std::chrono::milliseconds timeout);
  Error connect_error(const Error& e) const;

  std::string path_;
  std::chrono::milliseconds rpc_timeout_;
  std::unique_ptr<JsonRpcConnection> conn_;
  std::optional<std::string> datapath_;
};

/// Whether ovsdb-server is installed (found in /usr/sbin, /usr/local/sbin or PATH).
bool ovsdb_server_installed();

}  // namespace netlab::ovs
