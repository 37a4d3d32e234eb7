// Pid files and the ownership check that guards every kill.
#include <cerrno>
#include <charconv>

#include "netlab/dhcp.hpp"
#include "services/files.hpp"

namespace netlab {

std::optional<int> read_pid_file(const std::string& path) {
  auto text = services::read_file(path);
  if (!text) return std::nullopt;
  std::string_view s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
    s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  int pid = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
  if (ec != std::errc() || p != s.data() + s.size() || pid <= 1) return std::nullopt;
  return pid;
}

Status write_pid_file(const std::string& path, int pid) {
  return services::write_file_atomic(path, std::to_string(pid) + "\n", 0644);
}

DaemonCheck check_daemon(Processes& procs, const std::string& pid_file, const std::string& ns,
                         const std::vector<std::string>& argv) {
  DaemonCheck c;
  auto pid = read_pid_file(pid_file);
  if (!pid) {
    c.reason = "no readable pid file " + pid_file;
    return c;
  }
  c.pid = *pid;
  auto info = procs.inspect(*pid);
  std::string p = "pid " + std::to_string(*pid);
  if (!info.alive) {
    c.reason = p + " is not running";
    return c;
  }
  auto want = procs.netns_id(ns);
  if (!want) {
    // The namespace's name is gone (deleted while the daemon ran; the daemon
    // keeps the namespace itself alive). The cmdline, which carries the lab's
    // own pid/lease/conf paths, is then the proof, provided the process is
    // not in the root namespace.
    auto root = procs.netns_id("");
    if (!ns.empty() && root && info.netns_id != *root && info.cmdline == argv) {
      c.ours = true;
      c.reason = p + ": namespace " + ns + " no longer named; matched by cmdline";
      return c;
    }
    c.reason =
        p + ": namespace " + (ns.empty() ? "(root)" : ns) + " unknown: " + want.error().str();
    return c;
  }
  if (info.netns_id != *want) {
    c.reason = p + " runs in " + info.netns_id + ", not in " + (ns.empty() ? "(root)" : ns) + " (" +
               *want + ")";
    return c;
  }
  if (info.cmdline != argv) {
    std::string got;
    for (const auto& a : info.cmdline) got += (got.empty() ? "" : " ") + a;
    c.reason = p + " has a different command line: " + got;
    return c;
  }
  c.ours = true;
  return c;
}

Status stop_daemon(Processes& procs, const std::string& pid_file, const std::string& ns,
                   const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  auto c = check_daemon(procs, pid_file, ns, argv);
  if (c.ours) {
    if (auto s = procs.terminate(c.pid, timeout); !s) return s;
  }
  // Not ours (or no longer running): the pid file is stale; nothing is killed.
  return services::remove_file(pid_file);
}

}  // namespace netlab
