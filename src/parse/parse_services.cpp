// `services:` of a namespace: long-running programs of the lab. Argv lists
// only (no shell string), readiness as one of tcp/udp/file/command.
#include "parse/sections.hpp"

namespace netlab {

namespace {

// A list of scalars (an argv). Reports an empty list or a string given
// where a list is wanted: a command line would need a shell to split it.
std::optional<std::vector<std::string>> parse_argv(Reader& r, const yaml::Node& n,
                                                   const std::string& context) {
  if (!n.is_seq()) {
    if (n.is_scalar()) {
      r.error(n.pos, context + ": expected an argv list like [python3, -m, http.server], got " +
                         Reader::describe(n) +
                         "; netlab runs no shell, so write each argument as a list item");
    } else {
      r.expect_list(n, context, "an argv list like [python3, -m, http.server]");
    }
    return std::nullopt;
  }
  if (n.items.empty()) {
    r.error(n.pos, context + ": the command is an empty list; name the program to run");
    return std::nullopt;
  }
  std::vector<std::string> argv;
  bool ok = true;
  for (const auto& item : n.items) {
    if (auto a = r.scalar(item, context, "an argument")) {
      argv.push_back(*a);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return argv;
}

ServiceReady parse_ready(Reader& r, const yaml::Node& n, const std::string& context) {
  ServiceReady ready;
  ready.pos = n.pos;
  const std::string what = "one of {tcp: PORT}, {udp: PORT}, {file: PATH}, {command: [ARGV...]}";
  if (!n.is_map() || n.entries.size() != 1) {
    r.error(n.pos, context + ": ready: expected " + what + ", got " + Reader::describe(n));
    return ready;
  }
  r.check_keys(n, {"tcp", "udp", "file", "command"}, context + ", ready");
  const auto& [key, value] = n.entries.front();
  if (key.text == "tcp" || key.text == "udp") {
    if (auto port = r.integer(value, context + ", ready", key.text + " port")) {
      ready.port = *port;
      ready.kind = key.text == "tcp" ? ServiceReady::Kind::Tcp : ServiceReady::Kind::Udp;
      ready.pos = value.pos;
    }
  } else if (key.text == "file") {
    if (auto path = r.scalar(value, context + ", ready", "a path for file")) {
      ready.path = *path;
      ready.kind = ServiceReady::Kind::File;
      ready.pos = value.pos;
    }
  } else if (key.text == "command") {
    if (auto argv = parse_argv(r, value, context + ", ready command")) {
      ready.command = std::move(*argv);
      ready.kind = ServiceReady::Kind::Command;
      ready.pos = value.pos;
    }
  }
  return ready;
}

void parse_after(Reader& r, const yaml::Node& n, const std::string& context, Service& s) {
  if (!r.expect_list(n, context, "a list of services and {lease: NS:IF}")) return;
  for (const auto& item : n.items) {
    ServiceAfter a;
    a.pos = item.pos;
    if (item.is_map()) {
      r.check_keys(item, {"lease"}, context + ", after");
      const auto* lease = require(r, item, "lease", context + ", after", "lease: NS:IF");
      if (!lease) continue;
      auto e = parse_endpoint(r, *lease, context + ", after lease");
      if (!e) continue;
      a.lease_ns = e->owner;
      a.lease_if = e->ifname;
      a.pos = lease->pos;
    } else if (auto name =
                   r.scalar(item, context + ", after", "a service name or {lease: NS:IF}")) {
      a.service = *name;
    } else {
      continue;
    }
    s.after.push_back(std::move(a));
  }
}

}  // namespace

std::vector<Service> parse_services(Reader& r, const yaml::Node& map, const std::string& ns) {
  std::vector<Service> out;
  std::string c = "namespace '" + ns + "', services";
  if (!r.expect_map(map, c, "a map of services (NAME: {command: [...]})")) return out;
  for (const auto& [key, value] : map.entries) {
    Service s;
    s.name = key.text;
    s.pos = key.pos;
    std::string sc = "service '" + s.name + "'";
    if (!r.expect_map(value, sc, "a map with command, ready, timeout, env, workdir, user, after")) {
      out.push_back(std::move(s));
      continue;
    }
    r.check_keys(value, {"command", "ready", "timeout", "env", "workdir", "user", "after"}, sc);
    if (const auto* v = require(r, value, "command", sc,
                                "the argv to run, like [python3, -m, "
                                "http.server, \"8080\"]")) {
      s.command_pos = v->pos;
      if (auto argv = parse_argv(r, *v, sc + ", command")) s.command = std::move(*argv);
    }
    if (const auto* v = value.find("ready")) s.ready = parse_ready(r, *v, sc);
    if (const auto* v = value.find("timeout")) {
      if (auto text = r.scalar(*v, sc, "a duration for timeout")) {
        auto secs = parse_lease_time(*text);
        if (!secs || *secs <= 0 || *secs > 3600) {
          r.error(v->pos, sc + ": timeout '" + *text +
                              "' is not a duration from 1s to 1h; write seconds (10), 10s, 2m");
        } else {
          s.timeout_seconds = *secs;
        }
      }
    }
    if (const auto* v = value.find("env")) {
      if (r.expect_map(*v, sc + ", env", "a map NAME: VALUE")) {
        for (const auto& [k, val] : v->entries) {
          if (auto text = r.scalar(val, sc + ", env " + k.text, "a value")) {
            if (k.text.empty() || k.text.find('=') != std::string::npos ||
                k.text.find('\0') != std::string::npos) {
              r.error(k.pos, sc + ": env name '" + k.text + "' is empty or holds '='");
              continue;
            }
            s.env.emplace_back(k.text, *text);
          }
        }
      }
    }
    if (const auto* v = value.find("workdir")) {
      if (auto text = r.scalar(*v, sc, "a directory for workdir"))
        s.workdir = Located<std::string>{*text, v->pos};
    }
    if (const auto* v = value.find("user")) {
      if (auto text = r.scalar(*v, sc, "a user name for user"))
        s.user = Located<std::string>{*text, v->pos};
    }
    if (const auto* v = value.find("after")) parse_after(r, *v, sc, s);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace netlab
