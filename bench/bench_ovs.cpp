// Benchmark of the OVS layer on one netdev bridge with N veth ports:
//
//  1. add: netlab's OVSDB client (ONE transaction: the bridge and N ports,
//     then the wait for ovs-vswitchd) versus ONE `ovs-vsctl add-br B --
//     add-port B p0 -- ... -- add-port B pN-1` invocation (which also waits
//     for ovs-vswitchd). Same veths, same run, alternating which goes first.
//  2. delete order: removing the bridge (and its N ports) with netlab's
//     client BEFORE the veths are deleted, versus deleting the veths first
//     (`ip -batch`) and the OVS ports AFTER, as happens when a lab's
//     namespaces are destroyed first. Both orders are timed end to end.
//
//   bench_ovs [N=500] [ROUNDS=3]
//
// Names: bridge "nlovsbench", veths "novb<i>" (port) / "novp<i>" (peer).
// Leftovers of an interrupted run are removed on start and at the end.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "netlab/ovs.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kBridge = "nlovsbench";
constexpr const char* kLab = "netlab-bench";
constexpr std::chrono::milliseconds kTimeout{300000};

std::string port(int i) { return "novb" + std::to_string(i); }
std::string peer(int i) { return "novp" + std::to_string(i); }

// Runs argv (no shell), stdout and stderr to /dev/null unless `quiet` is false.
int run(const std::vector<std::string>& argv, bool quiet = true) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (quiet) {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return 127;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// `ip -batch FILE` with one command per line.
int ip_batch(const std::vector<std::string>& lines) {
  const std::string file = "/tmp/netlab-bench-ovs-" + std::to_string(getpid()) + ".ip";
  {
    std::ofstream out(file);
    for (const auto& l : lines) out << l << "\n";
  }
  int rc = run({"ip", "-force", "-batch", file});
  std::remove(file.c_str());
  return rc;
}

int create_veths(int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i)
    lines.push_back("link add " + port(i) + " type veth peer name " + peer(i));
  for (int i = 0; i < n; ++i) {
    lines.push_back("link set " + port(i) + " up");
    lines.push_back("link set " + peer(i) + " up");
  }
  return ip_batch(lines);
}

int delete_veths(int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back("link del " + port(i));
  return ip_batch(lines);
}

void cleanup(int n) {
  run({"ovs-vsctl", "--if-exists", "del-br", kBridge});
  delete_veths(n);
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

bool netlab_add(netlab::Ovs& ovs, int n, double& ms) {
  netlab::OvsTransaction txn;
  txn.lab = kLab;
  txn.add_bridges.push_back({kBridge, "netdev"});
  for (int i = 0; i < n; ++i) txn.add_ports.push_back({kBridge, port(i), false, 100, {}});
  auto t = Clock::now();
  netlab::Status st = ovs.apply(txn, kTimeout);
  ms = ms_since(t);
  if (!st) std::fprintf(stderr, "netlab apply failed: %s\n", st.error().message.c_str());
  return st.ok();
}

bool netlab_del(netlab::Ovs& ovs, double& ms) {
  netlab::OvsTransaction txn;
  txn.lab = kLab;
  txn.del_bridges.push_back(kBridge);
  auto t = Clock::now();
  netlab::Status st = ovs.apply(txn, kTimeout);
  ms = ms_since(t);
  if (!st) std::fprintf(stderr, "netlab delete failed: %s\n", st.error().message.c_str());
  return st.ok();
}

bool vsctl_add(int n, double& ms) {
  std::vector<std::string> argv{
      "ovs-vsctl", "--timeout=300",       "add-br", kBridge, "--", "set", "bridge",
      kBridge,     "datapath_type=netdev"};
  for (int i = 0; i < n; ++i) {
    for (const char* a : {"--", "add-port", kBridge}) argv.push_back(a);
    argv.push_back(port(i));
    argv.push_back("tag=100");
  }
  auto t = Clock::now();
  int rc = run(argv, false);
  ms = ms_since(t);
  return rc == 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 500;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  auto ovs = netlab::make_ovsdb_client();
  if (netlab::Status s = ovs->check_available(); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  cleanup(n);

  // 1. add N ports: netlab (one transaction) vs one ovs-vsctl invocation.
  auto t0 = Clock::now();
  if (create_veths(n) != 0) {
    std::fprintf(stderr, "ip -batch could not create %d veths\n", n);
    cleanup(n);
    return 1;
  }
  std::printf("pre-created %d veth pairs with ip -batch in %.0f ms\n", n, ms_since(t0));
  std::vector<double> ours, theirs, our_del;
  bool ok = true;
  for (int r = 0; r < rounds && ok; ++r) {
    for (int k = 0; k < 2 && ok; ++k) {
      double ms = 0, del = 0;
      if ((r + k) % 2 == 0) {
        ok = netlab_add(*ovs, n, ms) && netlab_del(*ovs, del);
        ours.push_back(ms);
        our_del.push_back(del);
        std::printf("round %d: netlab client   add %4d ports: %8.1f ms (delete: %.1f ms)\n", r, n,
                    ms, del);
      } else {
        ok = vsctl_add(n, ms);
        theirs.push_back(ms);
        run({"ovs-vsctl", "--if-exists", "del-br", kBridge});
        std::printf("round %d: ovs-vsctl       add %4d ports: %8.1f ms\n", r, n, ms);
      }
    }
  }
  if (!ok) {
    cleanup(n);
    return 1;
  }
  std::printf("median add: netlab %.1f ms, ovs-vsctl %.1f ms (%d ports, %d rounds)\n", median(ours),
              median(theirs), n, rounds);

  // 2. delete order with netdev.
  std::vector<double> before_total, before_ovs, before_ip, after_total, after_ovs, after_ip;
  for (int r = 0; r < rounds && ok; ++r) {
    double add = 0, del = 0;
    // (a) OVS ports first, then the veths.
    ok = netlab_add(*ovs, n, add);
    auto t = Clock::now();
    ok = ok && netlab_del(*ovs, del);
    auto t_ip = Clock::now();
    delete_veths(n);
    before_ip.push_back(ms_since(t_ip));
    before_ovs.push_back(del);
    before_total.push_back(ms_since(t));
    create_veths(n);
    // (b) the veths first (as when namespaces go), then the OVS ports.
    ok = ok && netlab_add(*ovs, n, add);
    t = Clock::now();
    delete_veths(n);
    after_ip.push_back(ms_since(t));
    ok = ok && netlab_del(*ovs, del);
    after_ovs.push_back(del);
    after_total.push_back(ms_since(t));
    create_veths(n);
    std::printf(
        "round %d: ports-before-veths %.1f ms (ovs %.1f + ip %.1f); ports-after-veths %.1f ms "
        "(ip %.1f + ovs %.1f)\n",
        r, before_total.back(), before_ovs.back(), before_ip.back(), after_total.back(),
        after_ip.back(), after_ovs.back());
  }
  std::printf(
      "median delete %d ports: before veths %.1f ms (ovs %.1f, ip %.1f); after veths "
      "%.1f ms (ip %.1f, ovs %.1f)\n",
      n, median(before_total), median(before_ovs), median(before_ip), median(after_total),
      median(after_ip), median(after_ovs));
  cleanup(n);
  return ok ? 0 : 1;
}
