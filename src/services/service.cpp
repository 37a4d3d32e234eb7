// User services: started with setns + exec (no shell), recorded with pid and
// start time, waited for until ready, stopped only when they prove ours.
#include "netlab/service.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <sstream>
#include <thread>

#include "netlab/dhcp.hpp"
#include "services/files.hpp"

namespace netlab {

namespace {

using Clock = std::chrono::steady_clock;

std::string where(const std::string& ns) { return ns.empty() ? "the root namespace" : ns; }

std::string ready_text(const ServiceReady& r) {
  switch (r.kind) {
    case ServiceReady::Kind::None:
      return "none";
    case ServiceReady::Kind::Tcp:
      return "tcp " + std::to_string(r.port);
    case ServiceReady::Kind::Udp:
      return "udp " + std::to_string(r.port);
    case ServiceReady::Kind::File:
      return "file " + r.path;
    case ServiceReady::Kind::Command: {
      std::string s = "command";
      for (const auto& a : r.command) s += " " + a;
      return s;
    }
  }
  return "";
}

}  // namespace

std::string service_dir(const std::string& state_dir) { return state_dir + "/services"; }

ServiceInstance make_service(const Service& service, const std::string& ns,
                             const std::string& state_dir) {
  ServiceInstance s;
  s.ns = ns;
  s.name = service.name;
  s.argv = service.command;
  s.env = service.env;
  s.workdir = service.workdir ? service.workdir->value : "";
  s.user = service.user ? service.user->value : "";
  s.ready = service.ready;
  s.timeout_ms = service.timeout_seconds * 1000;
  for (const auto& a : service.after)
    if (!a.service.empty()) s.after.push_back(a.service);
  std::string dir = service_dir(state_dir);
  s.pid_file = dir + "/" + s.name + ".pid";
  s.log_file = dir + "/" + s.name + ".log";
  // What makes a restart necessary: everything the process sees. The
  // readiness check and the timeout are included too: a changed check
  // should be seen to pass, which only a fresh start shows.
  std::ostringstream def;
  def << "ns=" << ns << "\nworkdir=" << s.workdir << "\nuser=" << s.user
      << "\nready=" << ready_text(s.ready) << "\ntimeout=" << s.timeout_ms << "\n";
  for (const auto& [k, v] : s.env) def << "env " << k.size() << ":" << k << "=" << v << "\n";
  s.config_hash = config_hash(def.str(), s.argv);
  return s;
}

std::optional<ServicePid> read_service_pid(const std::string& path) {
  auto text = services::read_file(path);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  ServicePid p;
  if (!(in >> p.pid >> p.start_time) || p.pid <= 1) return std::nullopt;
  return p;
}

ServiceCheck check_service(Processes& procs, const ServiceInstance& inst) {
  ServiceCheck c;
  auto rec = read_service_pid(inst.pid_file);
  if (!rec) {
    c.reason = "no readable pid file " + inst.pid_file;
    return c;
  }
  c.pid = rec->pid;
  std::string p = "pid " + std::to_string(rec->pid);
  auto info = procs.inspect(rec->pid);
  if (!info.alive) {
    c.reason = p + " is not running";
    c.exit_code = info.exit_code;
    return c;
  }
  if (info.start_time != rec->start_time) {
    c.reason = p + " is another process now (started at " + std::to_string(info.start_time) +
               ", not " + std::to_string(rec->start_time) + ")";
    return c;
  }
  auto want = procs.netns_id(inst.ns);
  if (!want) {
    // The namespace lost its name under the running service: pid and
    // start time prove it is ours, provided it is not in the root namespace.
    auto root = procs.netns_id("");
    if (!inst.ns.empty() && root && info.netns_id != *root) {
      c.ours = true;
      c.reason = p + ": namespace " + inst.ns + " no longer named";
      return c;
    }
    c.reason = p + ": namespace " + where(inst.ns) + " unknown: " + want.error().str();
    return c;
  }
  if (info.netns_id != *want) {
    c.reason = p + " runs in " + info.netns_id + ", not in " + where(inst.ns);
    return c;
  }
  c.ours = true;
  return c;
}

Result<bool> service_ready(Processes& procs, const ServiceInstance& inst, int pid) {
  switch (inst.ready.kind) {
    case ServiceReady::Kind::None:
      return true;
    case ServiceReady::Kind::Tcp:
    case ServiceReady::Kind::Udp:
      return procs.port_bound(pid, inst.ready.kind == ServiceReady::Kind::Tcp, inst.ready.port);
    case ServiceReady::Kind::File: {
      std::string path = inst.ready.path;
      if (!path.empty() && path[0] != '/')
        path = (inst.workdir.empty() ? "/" : inst.workdir + "/") + path;
      struct stat st;
      return ::stat(path.c_str(), &st) == 0;
    }
    case ServiceReady::Kind::Command: {
      auto r = procs.run(inst.ns, inst.ready.command, std::chrono::milliseconds(2000));
      if (!r.ok()) {
        // A check that hangs is "not yet"; one that cannot start is an error.
        if (r.error().kind == ErrorKind::Timeout) return false;
        return r.error();
      }
      return r->exit_code == 0;
    }
  }
  return false;
}

std::string log_tail(const std::string& path, int lines) {
  auto text = services::read_file(path);
  if (!text || text->empty()) return "";
  std::string s = *text;
  if (s.back() == '\n') s.pop_back();
  std::size_t pos = s.size();
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i)
    pos = s.rfind('\n', pos - 1);
  std::string tail = pos == std::string::npos ? s : s.substr(pos + 1);
  if (tail.size() > 2000) tail = "..." + tail.substr(tail.size() - 2000);
  return tail;
}

Result<int> start_service(Processes& procs, const ServiceInstance& inst) {
  if (auto st = services::make_dirs(services::dir_of(inst.pid_file)); !st.ok()) return st.error();
  std::string name = "service '" + inst.name + "' (" + where(inst.ns) + ")";
  auto quote = [&] {
    std::string tail = log_tail(inst.log_file);
    return "; log " + inst.log_file + (tail.empty() ? " is empty" : ", last lines:\n" + tail);
  };
  auto pid =
      procs.spawn_with(inst.ns, inst.argv, {inst.log_file, inst.env, inst.workdir, inst.user});
  if (!pid.ok()) {
    Error e = pid.error();
    e.message = name + ": " + e.message;
    return e;
  }
  auto info = procs.inspect(*pid);
  // Recorded at once: the stop that follows any failure, and `down` after
  // a crash, find it by pid and start time.
  if (auto st = services::write_file_atomic(
          inst.pid_file, std::to_string(*pid) + " " + std::to_string(info.start_time) + "\n", 0644);
      !st.ok()) {
    (void)procs.terminate(*pid, std::chrono::milliseconds(1000));
    return st.error();
  }
  auto fail = [&](ErrorKind kind, const std::string& why) -> Error {
    (void)procs.terminate(*pid, std::chrono::milliseconds(1000));
    (void)services::remove_file(inst.pid_file);
    return Error{kind, name + " " + why + quote(), {}, 0};
  };
  if (!info.alive)
    return fail(ErrorKind::Process,
                "exited at once" +
                    (info.exit_code ? " with exit code " + std::to_string(*info.exit_code) : ""));
  auto deadline = Clock::now() + std::chrono::milliseconds(inst.timeout_ms);
  auto step = std::chrono::milliseconds(2);
  while (true) {
    auto now = procs.inspect(*pid);
    if (!now.alive)
      return fail(ErrorKind::Process,
                  "exited" +
                      (now.exit_code ? " with exit code " + std::to_string(*now.exit_code) : "") +
                      " before it was ready (" + ready_text(inst.ready) + ")");
    auto ready = service_ready(procs, inst, *pid);
    if (!ready.ok()) {
      // The process may have died between the two looks: say so, not "no such pid".
      if (!procs.inspect(*pid).alive) continue;
      return fail(ready.error().kind, "readiness check failed: " + ready.error().message);
    }
    if (*ready) return *pid;
    if (Clock::now() >= deadline)
      return fail(ErrorKind::Timeout, "not ready (" + ready_text(inst.ready) + ") within " +
                                          std::to_string(inst.timeout_ms / 1000) +
                                          " s; raise its timeout: or check its command");
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(50));
  }
}

Status stop_service(Processes& procs, const ServiceInstance& inst, bool keep_log,
                    std::chrono::milliseconds grace) {
  auto c = check_service(procs, inst);
  if (c.ours)
    if (auto st = procs.terminate(c.pid, grace); !st.ok()) return st;
  // Not ours (or gone): the record is stale; nothing is killed.
  if (auto st = services::remove_file(inst.pid_file); !st.ok()) return st;
  if (!keep_log)
    if (auto st = services::remove_file(inst.log_file); !st.ok()) return st;
  ::rmdir(services::dir_of(inst.pid_file).c_str());  // when empty
  return {};
}

}  // namespace netlab
