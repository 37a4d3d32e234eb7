#include "support/processes_contract.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace netlab::testing {
namespace {

using namespace std::chrono_literals;

void require_ok(const Status& st) {
  INFO((st.ok() ? std::string() : st.error().str()));
  REQUIRE(st.ok());
}

/// Deletes its namespaces and terminates its processes when it goes out of
/// scope, ignoring errors.
class Guard {
 public:
  Guard(ProcessesWorld& w, const std::string& prefix) : w_(w), prefix_(prefix) {}
  ~Guard() {
    for (int pid : pids_) (void)w_.processes().terminate(pid, 2000ms);
    for (auto it = names_.rbegin(); it != names_.rend(); ++it)
      (void)w_.kernel().delete_namespace(*it);
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  std::string ns(const std::string& suffix) {
    REQUIRE(prefix_.size() + suffix.size() <= 15);
    names_.push_back(prefix_ + suffix);
    return names_.back();
  }
  std::string create(const std::string& suffix) {
    std::string n = ns(suffix);
    require_ok(w_.kernel().create_namespace(n));
    return n;
  }
  /// Terminates `pid` at the end too.
  void adopt(int pid) { pids_.push_back(pid); }
  int spawn(const std::string& ns, const std::vector<std::string>& argv, const std::string& log) {
    auto pid = w_.processes().spawn(ns, argv, log);
    INFO((pid.ok() ? std::string() : pid.error().str()));
    REQUIRE(pid.ok());
    pids_.push_back(*pid);
    return *pid;
  }

 private:
  ProcessesWorld& w_;
  std::string prefix_;
  std::vector<std::string> names_;
  std::vector<int> pids_;
};

std::string netns_id(Processes& p, const std::string& ns) {
  auto id = p.netns_id(ns);
  INFO((id.ok() ? std::string() : id.error().str()));
  REQUIRE(id.ok());
  return *id;
}

const std::vector<std::string> kSleep = {"sleep", "300"};

void check_missing_ns_error(const Error& e, const std::string& ns) {
  INFO(e.str());
  CHECK(e.kind == ErrorKind::Kernel);
  CHECK(e.sys_errno == ENOENT);
  CHECK_THAT(e.message, Catch::Contains("/run/netns/" + ns));
}

/// The pid a pid file holds, 0 when none.
int read_pid(const std::string& path) {
  std::ifstream f(path);
  int pid = 0;
  if (!(f >> pid)) return 0;
  return pid;
}

}  // namespace

void processes_contract_spawn_in_namespace(ProcessesWorld& w, const std::string& prefix) {
  Guard g(w, prefix);
  Processes& p = w.processes();
  const std::string ns = g.create("s");
  const std::string log = w.dir() + "/" + prefix + "-s.log";
  int pid = g.spawn(ns, kSleep, log);
  CHECK(pid > 1);
  CHECK(std::filesystem::exists(log));
  ProcessInfo info = p.inspect(pid);
  CHECK(info.alive);
  CHECK(info.cmdline == kSleep);
  CHECK(info.netns_id == netns_id(p, ns));
  CHECK(info.netns_id != netns_id(p, ""));
  CHECK_THAT(info.netns_id, Catch::StartsWith("net:["));
  // Two spawns, two processes, one namespace.
  int other = g.spawn(ns, kSleep, log);
  CHECK(other != pid);
  CHECK(p.inspect(other).netns_id == info.netns_id);
  // In the root namespace.
  int root = g.spawn("", kSleep, log);
  CHECK(p.inspect(root).netns_id == netns_id(p, ""));
  // One scan finds both processes of the namespace, and leaves the root's out.
  auto by_netns = p.processes_by_netns();
  REQUIRE(by_netns.ok());
  REQUIRE(by_netns->count(info.netns_id) == 1);
  auto inside = by_netns->at(info.netns_id);
  std::sort(inside.begin(), inside.end());
  std::vector<int> expected = {pid, other};
  std::sort(expected.begin(), expected.end());
  CHECK(inside == expected);
  CHECK(by_netns->count(netns_id(p, "")) == 0);

  for (int x : {pid, other, root}) {
    require_ok(p.terminate(x, 2000ms));
    CHECK_FALSE(p.inspect(x).alive);
    CHECK(p.inspect(x).cmdline.empty());
    require_ok(p.terminate(x, 100ms));  // already gone
  }
}

void processes_contract_spawn_with_options(ProcessesWorld& w, const std::string& prefix) {
  Guard g(w, prefix);
  Processes& p = w.processes();
  const std::string ns = g.create("o");
  const std::string log = w.dir() + "/" + prefix + "-o.log";
  SpawnOptions o{log, {{"NETLAB_CONTRACT", "1"}}, w.dir(), ""};
  auto first = p.spawn_with(ns, kSleep, o);
  INFO((first.ok() ? std::string() : first.error().str()));
  REQUIRE(first.ok());
  g.adopt(*first);
  CHECK(std::filesystem::exists(log));
  auto info = p.inspect(*first);
  CHECK(info.alive);
  CHECK(info.netns_id == netns_id(p, ns));
  CHECK(info.start_time > 0);
  CHECK(p.inspect(*first).start_time == info.start_time);
  auto second = p.spawn_with(ns, kSleep, o);
  REQUIRE(second.ok());
  g.adopt(*second);
  // Not the same process: a different pid, and a start time of its own
  // unless both started within one clock tick.
  CHECK(*second != *first);

  // Nobody listens on port 1 in a fresh namespace.
  auto bound = p.port_bound(*first, true, 1);
  REQUIRE(bound.ok());
  CHECK_FALSE(*bound);
  auto udp = p.port_bound(*first, false, 1);
  REQUIRE(udp.ok());
  CHECK_FALSE(*udp);

  require_ok(p.terminate(*second, 2000ms));
  CHECK_FALSE(p.port_bound(*second, true, 1).ok());

  auto no_dir = p.spawn_with(ns, kSleep, {log, {}, w.dir() + "/no-such-dir", ""});
  REQUIRE_FALSE(no_dir.ok());
  CHECK(no_dir.error().kind == ErrorKind::Process);
  CHECK_THAT(no_dir.error().message, Catch::Contains("workdir " + w.dir() + "/no-such-dir"));
  auto no_user = p.spawn_with(ns, kSleep, {log, {}, "", "netlab-no-such-user"});
  REQUIRE_FALSE(no_user.ok());
  CHECK_THAT(no_user.error().message, Catch::Contains("netlab-no-such-user"));
  CHECK(p.inspect(*first).alive);
}

void processes_contract_missing_namespace(ProcessesWorld& w, const std::string& prefix) {
  Guard g(w, prefix);
  Processes& p = w.processes();
  const std::string ns = g.ns("m");  // never made
  const std::string log = w.dir() + "/" + prefix + "-m.log";
  auto spawned = p.spawn(ns, kSleep, log);
  REQUIRE_FALSE(spawned.ok());
  check_missing_ns_error(spawned.error(), ns);
  auto ran = p.run(ns, {"true"}, 2000ms);
  REQUIRE_FALSE(ran.ok());
  check_missing_ns_error(ran.error(), ns);
  auto id = p.netns_id(ns);
  REQUIRE_FALSE(id.ok());
  check_missing_ns_error(id.error(), ns);

  // A log file in a directory that does not exist.
  const std::string made = g.create("l");
  auto no_log = p.spawn(made, kSleep, w.dir() + "/no-such-dir/x.log");
  REQUIRE_FALSE(no_log.ok());
  CHECK(no_log.error().kind == ErrorKind::Process);
  CHECK(no_log.error().sys_errno == ENOENT);
  CHECK_THAT(no_log.error().message, Catch::Contains("no-such-dir/x.log"));
}

void processes_contract_namespace_deleted_under_process(ProcessesWorld& w,
                                                        const std::string& prefix) {
  Guard g(w, prefix);
  Processes& p = w.processes();
  const std::string ns = g.create("d");
  const std::string log = w.dir() + "/" + prefix + "-d.log";
  int pid = g.spawn(ns, kSleep, log);
  const std::string id = netns_id(p, ns);
  REQUIRE(p.inspect(pid).netns_id == id);

  require_ok(w.kernel().delete_namespace(ns));
  ProcessInfo info = p.inspect(pid);
  CHECK(info.alive);  // the process keeps its namespace alive
  CHECK(info.netns_id == id);
  CHECK(info.cmdline == kSleep);
  auto gone = p.netns_id(ns);
  REQUIRE_FALSE(gone.ok());
  check_missing_ns_error(gone.error(), ns);

  require_ok(w.kernel().create_namespace(ns));
  CHECK(netns_id(p, ns) != id);
  CHECK(p.inspect(pid).netns_id == id);
  require_ok(p.terminate(pid, 2000ms));
  CHECK_FALSE(p.inspect(pid).alive);
}

void processes_contract_daemon_pid_file(ProcessesWorld& w, const std::string& prefix) {
  Guard g(w, prefix);
  Processes& p = w.processes();
  Kernel& k = w.kernel();
  const std::string ns = g.create("p");
  // dnsmasq wants its interface up with an address in its range's subnet.
  const std::string tap = prefix + "t", peer = prefix + "u";
  require_ok(k.create_veth({tap, ns, peer, ns, ""}));
  LinkChange up;
  up.up = true;
  require_ok(k.change_link(ns, tap, up));
  require_ok(k.change_link(ns, peer, up));
  require_ok(k.add_address(ns, tap, *IpPrefix::parse("10.77.0.1/24")));

  const std::string base = w.dir() + "/" + prefix + "-dnsmasq";
  const std::string pid_file = base + ".pid";
  const std::vector<std::string> argv = {"dnsmasq",
                                         "--conf-file=/dev/null",
                                         "--keep-in-foreground",
                                         "--pid-file=" + pid_file,
                                         "--dhcp-leasefile=" + base + ".leases",
                                         "--log-facility=" + base + ".log",
                                         "--interface=" + tap,
                                         "--except-interface=lo",
                                         "--bind-interfaces",
                                         "--port=0",
                                         "--no-resolv",
                                         "--no-hosts",
                                         "--dhcp-range=10.77.0.10,10.77.0.20,1h"};
  int pid = g.spawn(ns, argv, base + ".out");
  // It writes the file once it serves: a moment for the real one.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (read_pid(pid_file) != pid && std::chrono::steady_clock::now() < deadline &&
         p.inspect(pid).alive)
    std::this_thread::sleep_for(5ms);
  REQUIRE(read_pid(pid_file) == pid);
  ProcessInfo info = p.inspect(pid);
  CHECK(info.alive);
  CHECK(info.cmdline == argv);
  CHECK(info.netns_id == netns_id(p, ns));

  require_ok(p.terminate(pid, 3000ms));
  CHECK_FALSE(p.inspect(pid).alive);
  // dnsmasq leaves its pid file behind (it runs as nobody after start-up and
  // cannot unlink it): stale, it names a dead pid; netlab's stop_daemon
  // removes it.
  CHECK(read_pid(pid_file) == pid);
}

void processes_contract_all(ProcessesWorld& w, const std::string& prefix) {
  processes_contract_spawn_in_namespace(w, prefix);
  processes_contract_missing_namespace(w, prefix);
  processes_contract_namespace_deleted_under_process(w, prefix);
  processes_contract_daemon_pid_file(w, prefix);
  processes_contract_spawn_with_options(w, prefix);
}

}  // namespace netlab::testing
