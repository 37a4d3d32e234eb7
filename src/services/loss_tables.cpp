// The real loss seam (netlab/loss.hpp): the lab's netdev table in each
// namespace, through libnftables, run on the calling thread after it enters
// the namespace (libnftables' netlink socket binds to the thread's namespace).
#include <fcntl.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/unique_fd.hpp"
#include "kernel/netns_file.hpp"
#include "netlab/loss.hpp"
#include "netlab/nat.hpp"

namespace netlab {

namespace {

using nlohmann::json;

std::string in_ns(const std::string& ns) {
  return ns.empty() ? " (root namespace)" : " (netns " + ns + ")";
}

}  // namespace

std::string loss_set_json(const std::string& lab, const std::string& device, std::uint32_t ppm) {
  const std::string table = loss_table_name(lab), chain = loss_chain_name(device);
  json batch = json::array();
  batch.push_back({{"add", {{"table", {{"family", kLossFamily}, {"name", table}}}}}});
  batch.push_back({{"add",
                    {{"chain",
                      {{"family", kLossFamily},
                       {"table", table},
                       {"name", chain},
                       {"type", "filter"},
                       {"hook", "ingress"},
                       {"prio", 0},
                       {"dev", device},
                       {"policy", "accept"}}}}}});
  batch.push_back(
      {{"flush", {{"chain", {{"family", kLossFamily}, {"table", table}, {"name", chain}}}}}});
  json match = {{"match",
                 {{"op", "<"},
                  {"left", {{"numgen", {{"mode", "random"}, {"mod", 1000000}, {"offset", 0}}}}},
                  {"right", ppm}}}};
  batch.push_back({{"add",
                    {{"rule",
                      {{"family", kLossFamily},
                       {"table", table},
                       {"chain", chain},
                       {"expr", json::array({match, {{"drop", nullptr}}})}}}}}});
  return json{{"nftables", batch}}.dump();
}

Result<LossTableState> parse_loss_table_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables") || !doc["nftables"].is_array())
    return make_error(ErrorKind::Kernel, "nftables: unreadable listing of a loss table");
  LossTableState st;
  std::map<std::string, int> rules_in;  // chain -> rules of netlab's shape
  std::map<std::string, std::uint32_t> ppm_of;
  for (const auto& item : doc["nftables"]) {
    if (item.contains("chain")) {
      const auto& c = item["chain"];
      std::string name = c.value("name", "");
      bool shape = name.rfind("loss-", 0) == 0 && c.value("hook", "") == "ingress" &&
                   c.value("type", "") == "filter";
      if (shape)
        rules_in[name] = 0;
      else
        st.other.push_back(c.dump());
    } else if (item.contains("rule")) {
      const auto& r = item["rule"];
      std::string chain = r.value("chain", "");
      bool ok = false;
      if (rules_in.count(chain) && r.contains("expr") && r["expr"].is_array() &&
          r["expr"].size() == 2 && r["expr"][1].contains("drop")) {
        const auto& m = r["expr"][0];
        if (m.contains("match") && m["match"].value("op", "") == "<" &&
            m["match"].contains("left") && m["match"]["left"].contains("numgen") &&
            m["match"]["left"]["numgen"].value("mod", 0) == 1000000 &&
            m["match"]["right"].is_number_unsigned()) {
          ok = true;
          ppm_of[chain] = m["match"]["right"].get<std::uint32_t>();
          ++rules_in[chain];
        }
      }
      if (!ok) st.other.push_back(r.dump());
    }
  }
  for (const auto& [chain, n] : rules_in) {
    if (n != 1) {
      if (n > 1) st.other.push_back(chain + ": " + std::to_string(n) + " rules");
      // An empty chain drops nothing: reported with 0, a drift to repair.
    }
    st.chains.push_back({chain.substr(5), n == 1 ? ppm_of[chain] : 0});
  }
  return st;
}

namespace {

class NftablesLoss final : public LossTables {
 public:
  Result<std::map<std::string, LossTableState>> observe(
      const std::string& lab, const std::vector<std::string>& namespaces) override {
    std::map<std::string, LossTableState> out;
    const std::string table = loss_table_name(lab);
    for (const auto& ns : namespaces) {
      auto tables = in_netns(ns, "list tables " + std::string(kLossFamily));
      if (!tables) {
        if (tables.error().sys_errno == ENOENT) continue;  // namespace gone
        return tables.error();
      }
      json doc = json::parse(*tables, nullptr, false);
      bool found = false;
      if (!doc.is_discarded() && doc.contains("nftables"))
        for (const auto& item : doc["nftables"])
          if (item.contains("table") && item["table"].value("name", "") == table) found = true;
      if (!found) continue;
      auto listing = in_netns(ns, "list table " + std::string(kLossFamily) + " " + table);
      if (!listing) {
        if (listing.error().message.find("No such file") != std::string::npos) continue;
        return listing.error();
      }
      auto st = parse_loss_table_json(*listing);
      if (!st) return st.error();
      out[ns] = std::move(*st);
    }
    return out;
  }

  Status set(const std::string& lab, const std::string& ns, const std::string& device,
             std::uint32_t ppm) override {
    auto r = in_netns(ns, loss_set_json(lab, device, ppm));
    if (r) return {};
    Error e = r.error();
    e.message = "set loss on " + device + in_ns(ns) + ": " + e.message;
    return e;
  }

  Status clear(const std::string& lab, const std::string& ns, const std::string& device) override {
    const std::string op = "clear loss on " + device + in_ns(ns);
    auto now = observe(lab, {ns});
    if (!now) return named(now.error(), op);
    auto it = now->find(ns);
    if (it == now->end()) return {};
    const LossTableState& t = it->second;
    const bool last = t.other.empty() && t.chains.size() == 1 && t.chains[0].device == device;
    const std::string table = std::string(kLossFamily) + " " + loss_table_name(lab);
    std::string cmd;
    if (last)
      cmd = "delete table " + table;
    else if (t.find(device))
      cmd = "delete chain " + table + " " + loss_chain_name(device);
    else
      return {};
    auto r = in_netns(ns, cmd);
    if (!r) return named(r.error(), op);
    return {};
  }

 private:
  static Error named(Error e, const std::string& op) {
    e.message = op + ": " + e.message;
    return e;
  }

  // nft_run with the calling thread in namespace `ns` for the call.
  static Result<std::string> in_netns(const std::string& ns, const std::string& commands) {
    if (ns.empty()) return nft_run(commands);
    auto fd = nl::open_netns(ns);
    if (!fd) return system_error(ErrorKind::Kernel, "open netns " + ns, ENOENT);
    // The thread's own namespace, to come back to: a thread left elsewhere
    // would go on changing the wrong network, so failing to return aborts.
    UniqueFd home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!home.valid()) return system_error(ErrorKind::Kernel, "open own netns", errno);
    if (int err = nl::enter_netns(fd->get()); err != 0)
      return system_error(ErrorKind::Kernel, "enter netns " + ns, err);
    Result<std::string> out = nft_run(commands);
    if (nl::enter_netns(home.get()) != 0) std::abort();
    return out;
  }
};

}  // namespace

std::unique_ptr<LossTables> make_nftables_loss() { return std::make_unique<NftablesLoss>(); }

}  // namespace netlab
