// nftables NAT through libnftables, JSON in and out: nothing from the
// topology is spliced into nft's text syntax.
#include "netlab/nat.hpp"

#include <nftables/libnftables.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "services/files.hpp"

namespace netlab {
namespace {

using nlohmann::json;

json table_obj(const std::string& lab) {
  return {{"family", kNatFamily}, {"name", nat_table_name(lab)}};
}

Status check_rule(const NatRule& r) {
  if (r.source.family() != 4)
    return make_error(
        ErrorKind::Unsupported,
        "nat rule " + r.source.str() + " -> " + r.out + ": only IPv4 sources are supported", r.pos);
  // The out interface's name is checked once, at validate, by the rule every
  // interface name follows (src/parse/names.cpp: no '*', which nftables would
  // read as a wildcard, no quotes, 1-15 bytes): a rule reaching here passed it.
  return Status();
}

json rule_exprs(const NatRule& r) {
  auto net = r.source.network();
  json right = net.length == 32
                   ? json(net.address.str())
                   : json{{"prefix", {{"addr", net.address.str()}, {"len", net.length}}}};
  return json::array(
      {{{"match",
         {{"op", "=="},
          {"left", {{"payload", {{"protocol", "ip"}, {"field", "saddr"}}}}},
          {"right", right}}}},
       {{"match", {{"op", "=="}, {"left", {{"meta", {{"key", "oifname"}}}}}, {"right", r.out}}}},
       {{"masquerade", nullptr}}});
}

struct CtxDeleter {
  void operator()(nft_ctx* c) const { nft_ctx_free(c); }
};

}  // namespace

Result<std::string> nat_apply_json(const std::string& lab, const std::vector<NatRule>& rules) {
  json cmds = json::array();
  cmds.push_back({{"add", {{"table", table_obj(lab)}}}});
  cmds.push_back({{"delete", {{"table", table_obj(lab)}}}});
  cmds.push_back({{"add", {{"table", table_obj(lab)}}}});
  cmds.push_back({{"add",
                   {{"chain",
                     {{"family", kNatFamily},
                      {"table", nat_table_name(lab)},
                      {"name", kNatChain},
                      {"type", "nat"},
                      {"hook", "postrouting"},
                      {"prio", 100},  // srcnat
                      {"policy", "accept"}}}}}});
  for (const auto& r : rules) {
    if (auto s = check_rule(r); !s) return s.error();
    cmds.push_back({{"add",
                     {{"rule",
                       {{"family", kNatFamily},
                        {"table", nat_table_name(lab)},
                        {"chain", kNatChain},
                        {"expr", rule_exprs(r)}}}}}});
  }
  return json{{"nftables", cmds}}.dump();
}

Result<std::string> nat_apply_text(const std::string& lab, const std::vector<NatRule>& rules) {
  std::string t = nat_table_name(lab);
  std::string s = "add table ip " + t + "\ndelete table ip " + t + "\ntable ip " + t + " {\n" +
                  "  chain " + kNatChain +
                  " {\n    type nat hook postrouting priority srcnat; policy accept;\n";
  for (const auto& r : rules) {
    if (auto st = check_rule(r); !st) return st.error();
    s += "    ip saddr " + r.source.network().str() + " oifname \"" + r.out + "\" masquerade\n";
  }
  s += "  }\n}\n";
  return s;
}

std::string nat_delete_json(const std::string& lab) {
  json cmds = json::array(
      {{{"add", {{"table", table_obj(lab)}}}}, {{"delete", {{"table", table_obj(lab)}}}}});
  return json{{"nftables", cmds}}.dump();
}

Result<NatTableState> parse_nat_table_json(std::string_view text, const std::string& lab) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") ||
      !doc["nftables"].is_array())
    return make_error(ErrorKind::Bug, "nft JSON output for table " + nat_table_name(lab) +
                                          " is not "
                                          "a {\"nftables\": [...]} document");
  NatTableState st;
  std::string name = nat_table_name(lab);
  for (const auto& item : doc["nftables"]) {
    if (!item.is_object()) continue;
    if (item.contains("table")) {
      const auto& t = item["table"];
      if (t.value("family", "") == kNatFamily && t.value("name", "") == name) st.exists = true;
    } else if (item.contains("chain")) {
      const auto& c = item["chain"];
      if (c.value("table", "") == name && c.value("name", "") == kNatChain &&
          c.value("type", "") == "nat" && c.value("hook", "") == "postrouting")
        st.chain_ok = true;
    } else if (item.contains("rule")) {
      const auto& r = item["rule"];
      if (r.value("table", "") != name) continue;
      // netlab's shape: [match ip saddr, match meta oifname, masquerade]
      std::optional<IpPrefix> source;
      std::optional<std::string> out;
      bool masq = false, other = r.value("chain", "") != kNatChain;
      for (const auto& e : r.value("expr", json::array())) {
        if (e.contains("masquerade")) {
          masq = true;
        } else if (e.contains("match")) {
          const auto& m = e["match"];
          const auto& left = m.value("left", json::object());
          const auto& right = m.value("right", json());
          if (m.value("op", "") != "==") {
            other = true;
          } else if (left.contains("payload") && left["payload"].value("protocol", "") == "ip" &&
                     left["payload"].value("field", "") == "saddr") {
            if (right.is_string()) {
              auto a = IpAddress::parse(right.get<std::string>());
              if (a) source = IpPrefix{*a, 32};
            } else if (right.is_object() && right.contains("prefix")) {
              auto a = IpAddress::parse(right["prefix"].value("addr", ""));
              if (a) source = IpPrefix{*a, right["prefix"].value("len", 32)};
            }
            if (!source) other = true;
          } else if (left.contains("meta") && left["meta"].value("key", "") == "oifname" &&
                     right.is_string()) {
            out = right.get<std::string>();
          } else {
            other = true;
          }
        } else {
          other = true;
        }
      }
      if (!other && masq && source && out) {
        st.rules.push_back({source->network(), *out, r.value("handle", std::uint64_t{0})});
      } else {
        st.other_rules.push_back(r.dump());
      }
    }
  }
  return st;
}

Result<std::string> nft_run(const std::string& commands) {
  std::unique_ptr<nft_ctx, CtxDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return make_error(ErrorKind::Kernel, "nftables: cannot create a libnftables context");
  // JSON output; with it set, libnftables also parses JSON input.
  nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0)
    return make_error(ErrorKind::Kernel, "nftables: cannot buffer libnftables output");
  int rc = nft_run_cmd_from_buffer(ctx.get(), commands.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx.get());
  std::string err = nft_ctx_get_error_buffer(ctx.get());
  if (rc != 0) {
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    bool perm = err.find("Operation not permitted") != std::string::npos;
    return make_error(perm ? ErrorKind::Permission : ErrorKind::Kernel,
                      "nftables: " + (err.empty() ? std::string("command failed") : err));
  }
  return out;
}

}  // namespace netlab
