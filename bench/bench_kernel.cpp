// Benchmark of the kernel layer: N hosts, each a namespace with lo up and a
// veth (one end "eth0" inside with an address and up, the other end in the
// root namespace), all marked with an ownership alias; then everything is
// deleted again. Prints milliseconds per host for create and for delete
// (delete includes waiting until the root-side veth ends have vanished, as
// namespace destruction is asynchronous).
//
//   bench_kernel [N=100] [THREADS=2*cores] [--prefix P] [--bridge linux|ovs]
//
// Names: namespaces "nlbench-<i>", root ends "nlb<i>"; leftovers of an
// interrupted run are removed on start, and SIGINT/SIGTERM stop the run and
// clean up. Runs of this benchmark and of ip_batch_baseline.sh take turns
// (flock on kLockFile): one run's clean-up would delete another's objects.
//
// The raw-netlink floor of bench/compare.sh's labs, with options:
//   --prefix P       names "P h<i>" (namespaces), "P v<i>" (root ends) and
//                    "P b<k>" (bridges), without spaces; no lock is taken
//                    (the names are the caller's own)
//   --bridge linux   each root end also becomes a port of a Linux bridge
//                    (up), 1000 hosts per bridge (a Linux bridge holds at
//                    most 1024 ports); the bridges are made first and deleted
//                    last, both inside the timed phases
//   --bridge ovs     each root end goes up, then ONE OVSDB transaction adds
//                    the bridge (datapath netdev) and every port (access VLAN
//                    100 + i % 10) and waits for ovs-vswitchd; down deletes
//                    the namespaces, waits for the root ends, then the bridge
// With a bridge, host i's address is 10.(100 + i / 1000).(i % 1000 / 250).
// (i % 250 + 1)/16, as compare.sh's generated topologies have it.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "netlab/kernel.hpp"
#include "netlab/ovs.hpp"

namespace {

using Clock = std::chrono::steady_clock;
std::string kNsPrefix = "nlbench-";
std::string kLinkPrefix = "nlb";
std::string kBridgePrefix;  // "" = no bridge
enum class Bridge { None, Linux, Ovs } g_bridge = Bridge::None;
constexpr int kHostsPerBridge = 1000;
constexpr const char* kAlias = "netlab:bench";
constexpr const char* kLockFile = "/run/lock/netlab-kernel-bench.lock";
constexpr const char* kOvsLab = "netlab-bench";
constexpr std::chrono::milliseconds kOvsTimeout{600000};

std::string bridge_name(int k) { return kBridgePrefix + std::to_string(k); }
int bridge_count(int n) { return (n + kHostsPerBridge - 1) / kHostsPerBridge; }

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

bool report(const netlab::Status& s) {
  if (!s.ok()) std::fprintf(stderr, "bench_kernel: %s\n", s.error().str().c_str());
  return s.ok();
}

// Deletes the OVS bridges named with the bridge prefix (and their ports).
bool delete_ovs_bridges(netlab::Ovs* ovs) {
  if (!ovs) return true;
  auto st = ovs->observe();
  if (!st) return report(st.error());
  netlab::OvsTransaction txn;
  txn.lab = kOvsLab;
  for (const auto& b : st->bridges)
    if (!kBridgePrefix.empty() && starts_with(b.name, kBridgePrefix))
      txn.del_bridges.push_back(b.name);
  return txn.empty() || report(ovs->apply(txn, kOvsTimeout));
}

// Removes every namespace, root link and bridge this benchmark may have left
// behind.
void cleanup(netlab::Kernel& k, netlab::Ovs* ovs) {
  std::vector<std::string> root_links;
  if (auto st = k.observe({}, {})) {
    for (const auto& [name, l] : st->root.links) {
      if (starts_with(name, kLinkPrefix) && l.kind == netlab::LinkKind::Veth && l.alias == kAlias)
        root_links.push_back(name);
      if (!kBridgePrefix.empty() && starts_with(name, kBridgePrefix) &&
          l.kind == netlab::LinkKind::Bridge && l.alias == kAlias)
        root_links.push_back(name);
    }
    for (const auto& ns : st->all_namespaces)
      if (starts_with(ns, kNsPrefix)) (void)k.delete_namespace(ns);
  }
  for (const auto& l : root_links) (void)k.delete_link("", l);
  (void)delete_ovs_bridges(ovs);
}

// Runs fn(i) for i in [0, n) on `threads` threads; stops early on a signal.
template <class F>
int parallel(int n, int threads, F fn) {
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i; !g_stop && (i = next++) < n;)
        if (!fn(i)) ++failures;
    });
  for (auto& t : pool) t.join();
  return failures;
}

// CPU time of this process so far (all threads, user + system) in ms: the
// work done, which depends much less than wall time on what else runs.
double cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

// Time spent in each step, summed over all threads (nanoseconds).
constexpr const char* kSteps[] = {"netns", "lo up", "veth", "address", "eth0 up", "port up"};
constexpr int kStepCount = 6;
std::atomic<long long> g_step_ns[kStepCount];

template <class F>
bool step(int index, F f) {
  auto t = Clock::now();
  bool ok = report(f());
  g_step_ns[index] +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
  return ok;
}

bool create_host(netlab::Kernel& k, int i) {
  const std::string ns = kNsPrefix + std::to_string(i);
  const std::string outer = kLinkPrefix + std::to_string(i);
  netlab::LinkChange up;
  up.up = true;
  const std::string text =
      g_bridge == Bridge::None
          ? "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1/24"
          : "10." + std::to_string(100 + i / kHostsPerBridge) + "." +
                std::to_string(i % kHostsPerBridge / 250) + "." + std::to_string(i % 250 + 1) +
                "/16";
  auto addr = *netlab::IpPrefix::parse(text);
  netlab::LinkChange port = up;
  if (g_bridge == Bridge::Linux) port.master = bridge_name(i / kHostsPerBridge);
  return step(0, [&] { return k.create_namespace(ns); }) &&
         step(1, [&] { return k.change_link(ns, "lo", up); }) &&
         step(2,
              [&] {
                return k.create_veth({"eth0", ns, outer, "", kAlias});
              }) &&
         step(3, [&] { return k.add_address(ns, "eth0", addr); }) &&
         step(4, [&] { return k.change_link(ns, "eth0", up); }) &&
         (g_bridge == Bridge::None || step(5, [&] { return k.change_link("", outer, port); }));
}

// The bridges before the hosts: Linux bridges up, nothing for OVS yet.
bool create_bridges(netlab::Kernel& k, int n) {
  if (g_bridge != Bridge::Linux) return true;
  netlab::LinkChange up;
  up.up = true;
  for (int b = 0; b < bridge_count(n); ++b)
    if (!report(k.create_bridge("", bridge_name(b), kAlias)) ||
        !report(k.change_link("", bridge_name(b), up)))
      return false;
  return true;
}

// The OVS bridge and all its ports in one transaction, after the hosts.
bool create_ovs_ports(netlab::Ovs* ovs, int n) {
  if (g_bridge != Bridge::Ovs) return true;
  netlab::OvsTransaction txn;
  txn.lab = kOvsLab;
  txn.add_bridges.push_back({bridge_name(0), "netdev"});
  for (int i = 0; i < n; ++i)
    txn.add_ports.push_back(
        {bridge_name(0), kLinkPrefix + std::to_string(i), false, 100 + i % 10, {}});
  return report(ovs->apply(txn, kOvsTimeout));
}

// The bridges after the hosts are gone.
bool delete_bridges(netlab::Kernel& k, netlab::Ovs* ovs, int n) {
  if (g_bridge == Bridge::Ovs) return delete_ovs_bridges(ovs);
  bool ok = true;
  if (g_bridge == Bridge::Linux)
    for (int b = 0; b < bridge_count(n); ++b) ok = report(k.delete_link("", bridge_name(b))) && ok;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  std::string prefix, bridge = "none";
  bool usage = false;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if ((arg == "--prefix" || arg == "--bridge") && a + 1 < argc)
      (arg == "--prefix" ? prefix : bridge) = argv[++a];
    else if (starts_with(arg, "-"))
      usage = true;
    else
      positional.push_back(arg);
  }
  const int n = positional.size() > 0 ? std::atoi(positional[0].c_str()) : 100;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads =
      positional.size() > 1 ? std::atoi(positional[1].c_str()) : static_cast<int>(2 * cores);
  g_bridge = bridge == "linux" ? Bridge::Linux : bridge == "ovs" ? Bridge::Ovs : Bridge::None;
  if (n <= 0 || threads <= 0 || positional.size() > 2 ||
      (bridge != "none" && (g_bridge == Bridge::None || prefix.empty())) || usage) {
    std::fprintf(stderr,
                 "usage: bench_kernel [N] [THREADS] [--prefix P] [--bridge linux|ovs]"
                 " (--bridge needs --prefix)\n");
    return 1;
  }
  if (!prefix.empty()) {
    kNsPrefix = prefix + "h";
    kLinkPrefix = prefix + "v";
    kBridgePrefix = prefix + "b";
  } else {
    // Held until exit (the descriptor is never closed).
    int lock = open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) != 0) {
      std::fprintf(stderr, "bench_kernel: waiting for another kernel benchmark (%s)\n", kLockFile);
      flock(lock, LOCK_EX);
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  auto k = netlab::make_netlink_kernel();
  std::unique_ptr<netlab::Ovs> ovs;
  if (g_bridge == Bridge::Ovs) {
    ovs = netlab::make_ovsdb_client();
    if (!report(ovs->check_available())) return 1;
  }
  cleanup(*k, ovs.get());
  // Settle the leftovers' asynchronous teardown before timing anything.
  if (auto st = k->observe({}, {})) {
    std::vector<std::string> left;
    for (const auto& [name, l] : st->root.links)
      if (starts_with(name, kLinkPrefix) && l.kind == netlab::LinkKind::Veth) left.push_back(name);
    (void)k->wait_links_gone("", left, std::chrono::seconds(60));
  }

  const double cpu0 = cpu_ms();
  auto t0 = Clock::now();
  int failed = create_bridges(*k, n) ? 0 : 1;
  if (!failed) failed = parallel(n, threads, [&](int i) { return create_host(*k, i); });
  if (!failed && !g_stop && !create_ovs_ports(ovs.get(), n)) failed = 1;
  auto t1 = Clock::now();
  const double create_cpu = cpu_ms() - cpu0;
  int created = n;
  if (failed || g_stop) {
    std::fprintf(stderr, "bench_kernel: %d host(s) failed%s; cleaning up\n", failed,
                 g_stop ? " (interrupted)" : "");
    cleanup(*k, ovs.get());
    return 1;
  }

  std::vector<std::string> outer;
  for (int i = 0; i < created; ++i) outer.push_back(kLinkPrefix + std::to_string(i));
  auto t2 = Clock::now();
  failed = parallel(n, threads, [&](int i) {
    return report(k->delete_namespace(kNsPrefix + std::to_string(i)));
  });
  auto gone = k->wait_links_gone("", outer, std::chrono::seconds(120));
  if (gone.ok() && !delete_bridges(*k, ovs.get(), n)) ++failed;
  auto t3 = Clock::now();
  if (!gone.ok()) std::fprintf(stderr, "bench_kernel: %s\n", gone.error().str().c_str());
  if (failed || !gone.ok() || g_stop) {
    cleanup(*k, ovs.get());
    return 1;
  }

  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf(
      "hosts=%d threads=%d create_ms_per_host=%.3f delete_ms_per_host=%.3f "
      "create_total_ms=%.1f delete_total_ms=%.1f create_cpu_ms_per_host=%.3f\n",
      n, threads, ms(t1 - t0) / n, ms(t3 - t2) / n, ms(t1 - t0), ms(t3 - t2), create_cpu / n);
  // Where create time goes (thread time, so it sums to more than wall time).
  std::fprintf(stderr, "bench_kernel: thread-ms per host:");
  for (int s = 0; s < (g_bridge == Bridge::None ? 5 : kStepCount); ++s)
    std::fprintf(stderr, " %s=%.3f", kSteps[s], g_step_ns[s] / 1e6 / n);
  std::fprintf(stderr, "\n");
  return 0;
}
