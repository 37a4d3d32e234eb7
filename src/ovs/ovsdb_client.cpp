#include "ovs/ovsdb_client.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "core/lab_name.hpp"
#include "ovs/messages.hpp"
#include "ovs/ovsdb_observe.hpp"

namespace netlab {

std::unique_ptr<Ovs> make_ovsdb_client(const std::string& socket_path) {
  return std::make_unique<ovs::OvsdbClient>(socket_path);
}

namespace ovs {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Owner mark of the throw-away bridge auto_datapath() creates.
constexpr const char* kProbeLab = kReservedLabName;  // no lab may take this name
// How long the probe waits for ovs-vswitchd.
constexpr milliseconds kProbeTimeout{10000};

constexpr std::string_view kProbePrefix = kProbeBridgePrefix;  // no topology bridge may use it

// A probe bridge is named after the process that made it ("nlprobe<pid>").
// It is a leftover only when that process is gone: a live one may be
// probing right now, beside us (parallel `up`s of CI jobs).
bool probe_is_leftover(const std::string& bridge) {
  if (bridge.rfind(kProbePrefix, 0) != 0) return true;
  std::string digits = bridge.substr(kProbePrefix.size());
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return true;
  pid_t pid = static_cast<pid_t>(std::stol(digits));
  if (pid <= 0) return true;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : milliseconds(0);
}

}  // namespace

bool ovsdb_server_installed() {
  for (const char* dir : {"/usr/sbin", "/usr/local/sbin", "/sbin"})
    if (::access((std::string(dir) + "/ovsdb-server").c_str(), X_OK) == 0) return true;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (!dir.empty() && ::access((dir + "/ovsdb-server").c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

OvsdbClient::OvsdbClient(std::string socket_path, milliseconds rpc_timeout)
    : path_(std::move(socket_path)), rpc_timeout_(rpc_timeout) {}

Error OvsdbClient::connect_error(const Error& e) const {
  switch (e.sys_errno) {
    case ENOENT:
    case ECONNREFUSED:
    case ENOTDIR:
      return ovsdb_server_installed() ? not_running_error(path_, e.sys_errno)
                                      : not_installed_error(path_, e.sys_errno);
    case EACCES:
    case EPERM: {
      Error p = e;
      p.kind = ErrorKind::Permission;
      p.message += " (run netlab as root)";
      return p;
    }
    default:
      return e;
  }
}

Result<JsonRpcConnection*> OvsdbClient::connection() {
  if (conn_ && !conn_->broken()) return conn_.get();
  conn_.reset();
  auto c = JsonRpcConnection::connect(path_);
  if (!c) return connect_error(c.error());
  conn_ = std::move(*c);
  return conn_.get();
}

Result<Json> OvsdbClient::transact(Json params, milliseconds timeout) {
  auto c = connection();
  if (!c) return c.error();
  return (*c)->call("transact", std::move(params), timeout);
}

Status OvsdbClient::check_available() {
  auto c = connection();
  if (!c) return c.error();
  // A socket that accepts but never answers must not hang us for long.
  auto dbs = (*c)->call("list_dbs", Json::array(), std::min(rpc_timeout_, milliseconds(3000)));
  if (!dbs) {
    Error e = dbs.error();
    e.message = "Open vSwitch database at " + path_ + " does not answer: " + e.message;
    return e;
  }
  if (dbs->is_array())
    for (const auto& name : *dbs)
      if (name.is_string() && name.get<std::string>() == kDatabase) return {};
  return make_error(ErrorKind::Ovs, "the ovsdb-server at " + path_ + " has no " + kDatabase +
                                        " database (it serves " + dbs->dump() + ")");
}

Result<OvsState> OvsdbClient::observe() {
  auto r = transact(observe_params(), rpc_timeout_);
  if (!r) return r.error();
  return parse_observe_result(*r);
}

Result<std::vector<OvsdbClient::FailedInterface>> OvsdbClient::apply_and_check(
    const OvsTransaction& txn, milliseconds timeout) {
  std::vector<FailedInterface> failed;
  if (txn.empty()) return failed;
  auto current = observe();
  if (!current) return current.error();
  auto built = build_transaction(txn, *current);
  if (!built) return built.error();
  if (!built->changes) return failed;  // nothing to do: no reconfiguration either

  auto reply = transact(built->params, std::max(rpc_timeout_, timeout));
  if (!reply) return reply.error();
  if (auto e = transact_reply_error(*built, *reply)) return *e;
  auto next_cfg = read_next_cfg(*built, *reply);
  if (!next_cfg) return next_cfg.error();

  // Let ovsdb-server do the waiting: the `wait` blocks until ovs-vswitchd has
  // caught up (cur_cfg >= next_cfg) or `timeout` runs out; the selects run
  // right after it in the same transaction.
  const auto deadline = Clock::now() + timeout;
  Json wait_params =
      Json::array({kDatabase,
                   Json{{"op", "wait"},
                        {"timeout", timeout.count()},
                        {"table", "Open_vSwitch"},
                        {"where", Json::array({Json::array({"cur_cfg", ">=", *next_cfg})})},
                        {"columns", Json::array({"cur_cfg"})},
                        {"until", "!="},
                        {"rows", Json::array()}},
                   Json{{"op", "select"},
                        {"table", "Interface"},
                        {"where", Json::array()},
                        {"columns", Json::array({"name", "ofport", "error"})}}});
  auto waited = transact(std::move(wait_params), timeout + rpc_timeout_);
  if (!waited) return waited.error();
  const Json& w = *waited;
  if (!w.is_array() || w.size() < 2 || !w[1].is_object() || !w[1].contains("rows")) {
    std::string err = w.is_array() && !w.empty() && w[0].is_object() && w[0].contains("error")
                          ? w[0]["error"].dump()
                          : w.dump();
    if (err == "\"timed out\"" || left_until(deadline).count() == 0) {
      std::string cur = "?";
      auto c = transact(Json::array({kDatabase, Json{{"op", "select"},
                                                     {"table", "Open_vSwitch"},
                                                     {"where", Json::array()},
                                                     {"columns", Json::array({"cur_cfg"})}}}),
                        rpc_timeout_);
      if (c && c->is_array() && !c->empty() && (*c)[0].contains("rows") && !(*c)[0]["rows"].empty())
        cur = (*c)[0]["rows"][0].value("cur_cfg", Json()).dump();
      return make_error(
          ErrorKind::Timeout,
          "ovs-vswitchd did not apply the OVS changes within " + std::to_string(timeout.count()) +
              " ms (next_cfg " + std::to_string(*next_cfg) + ", cur_cfg " + cur +
              "): is ovs-vswitchd running? The changes are committed in the database.");
    }
    return make_error(ErrorKind::Ovs, "ovsdb: waiting for ovs-vswitchd failed: " + err);
  }

  std::unordered_map<std::string, std::pair<std::int64_t, std::string>> ifaces;
  for (const Json& row : w[1]["rows"]) {
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string()) continue;
    auto ofport = decode_optional_int(row.value("ofport", empty_set()));
    auto error = decode_optional_string(row.value("error", empty_set()));
    ifaces[row["name"].get<std::string>()] = {ofport && *ofport ? **ofport : -1,
                                              error && *error ? **error : std::string()};
  }
  for (const auto& added : built->added_interfaces) {
    auto it = ifaces.find(added.name);
    if (it == ifaces.end()) {
      failed.push_back({added.name, added.bridge, "the interface row is gone"});
      continue;
    }
    const auto& [ofport, error] = it->second;
    if (ofport < 0 || !error.empty()) failed.push_back({added.name, added.bridge, error});
  }
  return failed;
}

Status OvsdbClient::apply(const OvsTransaction& txn, milliseconds timeout) {
  auto failed = apply_and_check(txn, timeout);
  if (!failed) return failed.error();
  if (failed->empty()) return {};
  const auto& f = failed->front();
  Error e = interface_failed_error(f.name, f.bridge, f.error);
  if (failed->size() > 1) {
    e.message += " (and " + std::to_string(failed->size() - 1) + " more:";
    for (std::size_t i = 1; i < failed->size(); ++i) e.message += " " + (*failed)[i].name;
    e.message += ")";
  }
  return e;
}

Result<std::string> OvsdbClient::auto_datapath() {
  if (datapath_) return *datapath_;
  // Remove probe bridges a crashed earlier run left behind, and only those.
  auto current = observe();
  if (!current) return current.error();
  OvsTransaction sweep;
  sweep.lab = kProbeLab;
  for (const auto& b : current->bridges)
    if (b.owner() == kProbeLab && probe_is_leftover(b.name)) sweep.del_bridges.push_back(b.name);
  if (!sweep.empty())
    if (Status s = apply(sweep, kProbeTimeout); !s) return s.error();

  // pid_max is at most 2^22, so the name (at most 15 characters) holds the
  // whole pid.
  const std::string name = std::string(kProbePrefix) + std::to_string(::getpid());
  // One probe per process at a time: clients in several threads share the name.
  static std::mutex probe_mu;
  std::lock_guard lock(probe_mu);
  OvsTransaction probe;
  probe.lab = kProbeLab;
  probe.add_bridges.push_back({name, "system"});
  auto failed = apply_and_check(probe, kProbeTimeout);

  OvsTransaction cleanup;
  cleanup.lab = kProbeLab;
  cleanup.del_bridges.push_back(name);
  Status removed = apply(cleanup, kProbeTimeout);

  if (!failed) return failed.error();
  if (!removed) {
    Error e = removed.error();
    e.message = "removing the datapath probe bridge " + name + ": " + e.message;
    return e;
  }
  datapath_ = failed->empty() ? "system" : "netdev";
  return *datapath_;
}

}  // namespace ovs
}  // namespace netlab
