// libFuzzer target: the bytes ovsdb-server sends on the JSON-RPC socket, as
// JsonRpcConnection and OvsdbClient handle them: split into JSON texts (the
// first byte sets the read size, so texts straddle reads), parsed, answered
// when an echo, and a reply's result read as the observe transaction's
// (into OvsState) and as an apply transaction's (errors, next_cfg).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ovs/json_stream.hpp"
#include "ovs/ovsdb_observe.hpp"
#include "ovs/rpc_message.hpp"
#include "ovs/transaction_builder.hpp"

namespace {

using netlab::ovs::Json;

// An apply transaction with an ownership guard (the delete of bridge
// "old"), inserts and the next_cfg select, built once, so that
// transact_reply_error has labels and guards to index.
const netlab::ovs::BuiltTransaction& apply_transaction() {
  static const netlab::ovs::BuiltTransaction built = [] {
    netlab::OvsState current;
    netlab::OvsBridgeState old;
    old.name = "old";
    old.uuid = "7d9d5c3a-2b0c-4c4e-9c5b-1c2d3e4f5a6b";
    old.external_ids[netlab::kOvsOwnerKey] = "fuzz";
    current.bridges.push_back(old);
    netlab::OvsTransaction txn;
    txn.lab = "fuzz";
    txn.add_bridges.push_back({"br0", "netdev"});
    txn.add_ports.push_back({"br0", "p0", true, 10, {}});
    txn.del_bridges.push_back("old");
    return *netlab::ovs::build_transaction(txn, current);
  }();
  return built;
}

void handle_message(const Json& message) {
  if (auto answer = netlab::ovs::echo_answer(message)) (void)answer->dump();
  auto reply = netlab::ovs::reply_to(message, 1, "transact");
  if (!reply || !*reply) return;
  const Json& result = **reply;
  (void)netlab::ovs::parse_observe_result(result);
  const auto& built = apply_transaction();
  (void)netlab::ovs::transact_reply_error(built, result);
  (void)netlab::ovs::read_next_cfg(built, result);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  netlab::ovs::JsonStreamSplitter splitter;
  for (std::size_t off = 0; off < bytes.size(); off += chunk) {
    if (!splitter.feed(bytes.substr(off, chunk))) return 0;
    while (auto text = splitter.next()) {
      Json message = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (message.is_discarded()) return 0;  // the connection breaks here
      handle_message(message);
    }
  }
  return 0;
}
