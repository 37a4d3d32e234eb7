#include "apply/daemon_record.hpp"

namespace netlab {

nlohmann::json daemon_to_json(const DaemonSpec& spec) {
  if (const auto* d = std::get_if<DnsmasqInstance>(&spec.instance)) {
    return {{"kind", "dnsmasq"},         {"ns", d->ns},
            {"interface", d->interface}, {"conf", d->paths.conf},
            {"pid", d->paths.pid},       {"lease", d->paths.lease},
            {"log", d->paths.log},       {"config_text", d->config_text},
            {"argv", d->argv},           {"config_hash", d->config_hash}};
  }
  if (const auto* v = std::get_if<ServiceInstance>(&spec.instance)) {
    nlohmann::json env = nlohmann::json::array();
    for (const auto& [k, val] : v->env) env.push_back({k, val});
    return {{"kind", "service"},
            {"ns", v->ns},
            {"name", v->name},
            {"argv", v->argv},
            {"env", env},
            {"workdir", v->workdir},
            {"user", v->user},
            {"ready",
             {{"kind", static_cast<int>(v->ready.kind)},
              {"port", v->ready.port},
              {"path", v->ready.path},
              {"command", v->ready.command}}},
            {"timeout_ms", v->timeout_ms},
            {"after", v->after},
            {"pid_file", v->pid_file},
            {"log_file", v->log_file},
            {"config_hash", v->config_hash}};
  }
  const auto& c = std::get<DhclientInstance>(spec.instance);
  return {{"kind", "dhclient"},
          {"ns", c.ns},
          {"interface", c.interface},
          {"script_path", c.script_path},
          {"conf_path", c.conf_path},
          {"pid_file", c.pid_file},
          {"lease_file", c.lease_file},
          {"log_file", c.log_file},
          {"script_text", c.script_text},
          {"conf_text", c.conf_text},
          {"argv", c.argv},
          {"config_hash", c.config_hash}};
}

std::optional<DaemonSpec> daemon_from_json(const nlohmann::json& j) {
  try {
    DaemonSpec s;
    if (j.at("kind") == "dnsmasq") {
      DnsmasqInstance d;
      d.ns = j.at("ns");
      d.interface = j.at("interface");
      d.paths = {j.at("conf"), j.at("pid"), j.at("lease"), j.at("log")};
      d.config_text = j.at("config_text");
      d.argv = j.at("argv").get<std::vector<std::string>>();
      d.config_hash = j.at("config_hash");
      s.instance = d;
    } else if (j.at("kind") == "service") {
      ServiceInstance v;
      v.ns = j.at("ns");
      v.name = j.at("name");
      v.argv = j.at("argv").get<std::vector<std::string>>();
      for (const auto& kv : j.at("env")) v.env.emplace_back(kv.at(0), kv.at(1));
      v.workdir = j.at("workdir");
      v.user = j.at("user");
      const auto& r = j.at("ready");
      int kind = r.at("kind");
      if (kind < 0 || kind > static_cast<int>(ServiceReady::Kind::Command)) return std::nullopt;
      v.ready.kind = static_cast<ServiceReady::Kind>(kind);
      v.ready.port = r.at("port");
      v.ready.path = r.at("path");
      v.ready.command = r.at("command").get<std::vector<std::string>>();
      v.timeout_ms = j.at("timeout_ms");
      v.after = j.at("after").get<std::vector<std::string>>();
      v.pid_file = j.at("pid_file");
      v.log_file = j.at("log_file");
      v.config_hash = j.at("config_hash");
      s.instance = v;
    } else {
      DhclientInstance c;
      c.ns = j.at("ns");
      c.interface = j.at("interface");
      c.script_path = j.at("script_path");
      c.conf_path = j.at("conf_path");
      c.pid_file = j.at("pid_file");
      c.lease_file = j.at("lease_file");
      c.log_file = j.at("log_file");
      c.script_text = j.at("script_text");
      c.conf_text = j.at("conf_text");
      c.argv = j.at("argv").get<std::vector<std::string>>();
      c.config_hash = j.at("config_hash");
      s.instance = c;
    }
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Result<std::map<std::string, DaemonSpec>> daemons_from_text(const std::string& text,
                                                            const std::string& path) {
  std::map<std::string, DaemonSpec> out;
  if (text.empty()) return out;
  auto corrupt = [&](const std::string& why) -> Error {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    return Error{ErrorKind::Bug,
                 path + " is corrupt (" + why +
                     "): netlab cannot tell which daemons (dnsmasq, dhclient, services) the lab "
                     "started. Stop them by hand (their pid files are in " +
                     dir + "), remove " + path + ", and run the command again",
                 {},
                 0};
  };
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return corrupt("not JSON");
  if (!j.is_array()) return corrupt("not a list of daemons");
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto spec = daemon_from_json(j[i]);
    if (!spec) return corrupt("entry " + std::to_string(i + 1) + " is no daemon record");
    out.emplace(spec->id(), *spec);
  }
  return out;
}

}  // namespace netlab
