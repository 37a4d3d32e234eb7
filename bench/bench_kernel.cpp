// Benchmark of the kernel layer: N hosts, each a namespace with lo up and a
// veth (one end "eth0" inside with an address and up, the other end in the
// root namespace), all marked with an ownership alias; then everything is
// deleted again. Prints milliseconds per host for create and for delete
// (delete includes waiting until the root-side veth ends have vanished, as
// namespace destruction is asynchronous).
//
//   bench_kernel [N=100] [THREADS=2*cores]
//
// Names: namespaces "nlbench-<i>", root ends "nlb<i>"; leftovers of an
// interrupted run are removed on start, and SIGINT/SIGTERM stop the run and
// clean up. Runs of this benchmark and of ip_batch_baseline.sh take turns
// (flock on kLockFile): one run's clean-up would delete another's objects.
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

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kNsPrefix = "nlbench-";
constexpr const char* kLinkPrefix = "nlb";
constexpr const char* kAlias = "netlab:bench";
constexpr const char* kLockFile = "/run/lock/netlab-kernel-bench.lock";

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// Removes every namespace and root link this benchmark may have left behind.
void cleanup(netlab::Kernel& k) {
  std::vector<std::string> root_links;
  if (auto st = k.observe({}, {})) {
    for (const auto& [name, l] : st->root.links)
      if (starts_with(name, kLinkPrefix) && l.kind == netlab::LinkKind::Veth && l.alias == kAlias)
        root_links.push_back(name);
    for (const auto& ns : st->all_namespaces)
      if (starts_with(ns, kNsPrefix)) (void)k.delete_namespace(ns);
  }
  for (const auto& l : root_links) (void)k.delete_link("", l);
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

bool report(const netlab::Status& s) {
  if (!s.ok()) std::fprintf(stderr, "bench_kernel: %s\n", s.error().str().c_str());
  return s.ok();
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
constexpr const char* kSteps[] = {"netns", "lo up", "veth", "address", "eth0 up"};
std::atomic<long long> g_step_ns[5];

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
  auto addr = *netlab::IpPrefix::parse("10." + std::to_string(i / 256) + "." +
                                       std::to_string(i % 256) + ".1/24");
  return step(0, [&] { return k.create_namespace(ns); }) &&
         step(1, [&] { return k.change_link(ns, "lo", up); }) &&
         step(2,
              [&] {
                return k.create_veth({"eth0", ns, outer, "", kAlias});
              }) &&
         step(3, [&] { return k.add_address(ns, "eth0", addr); }) &&
         step(4, [&] { return k.change_link(ns, "eth0", up); });
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(2 * cores);
  if (n <= 0 || threads <= 0) {
    std::fprintf(stderr, "usage: bench_kernel [N] [THREADS]\n");
    return 1;
  }
  // Held until exit (the descriptor is never closed).
  int lock = open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) != 0) {
    std::fprintf(stderr, "bench_kernel: waiting for another kernel benchmark (%s)\n", kLockFile);
    flock(lock, LOCK_EX);
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  auto k = netlab::make_netlink_kernel();
  cleanup(*k);
  // Settle the leftovers' asynchronous teardown before timing anything.
  if (auto st = k->observe({}, {})) {
    std::vector<std::string> left;
    for (const auto& [name, l] : st->root.links)
      if (starts_with(name, kLinkPrefix) && l.kind == netlab::LinkKind::Veth) left.push_back(name);
    (void)k->wait_links_gone("", left, std::chrono::seconds(60));
  }

  const double cpu0 = cpu_ms();
  auto t0 = Clock::now();
  int failed = parallel(n, threads, [&](int i) { return create_host(*k, i); });
  auto t1 = Clock::now();
  const double create_cpu = cpu_ms() - cpu0;
  int created = n;
  if (failed || g_stop) {
    std::fprintf(stderr, "bench_kernel: %d host(s) failed%s; cleaning up\n", failed,
                 g_stop ? " (interrupted)" : "");
    cleanup(*k);
    return 1;
  }

  std::vector<std::string> outer;
  for (int i = 0; i < created; ++i) outer.push_back(kLinkPrefix + std::to_string(i));
  auto t2 = Clock::now();
  failed = parallel(n, threads, [&](int i) {
    return report(k->delete_namespace(kNsPrefix + std::to_string(i)));
  });
  auto gone = k->wait_links_gone("", outer, std::chrono::seconds(120));
  auto t3 = Clock::now();
  if (!gone.ok()) std::fprintf(stderr, "bench_kernel: %s\n", gone.error().str().c_str());
  if (failed || !gone.ok() || g_stop) {
    cleanup(*k);
    return 1;
  }

  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf(
      "hosts=%d threads=%d create_ms_per_host=%.3f delete_ms_per_host=%.3f "
      "create_total_ms=%.1f delete_total_ms=%.1f create_cpu_ms_per_host=%.3f\n",
      n, threads, ms(t1 - t0) / n, ms(t3 - t2) / n, ms(t1 - t0), ms(t3 - t2), create_cpu / n);
  // Where create time goes (thread time, so it sums to more than wall time).
  std::fprintf(stderr, "bench_kernel: thread-ms per host:");
  for (int s = 0; s < 5; ++s) std::fprintf(stderr, " %s=%.3f", kSteps[s], g_step_ns[s] / 1e6 / n);
  std::fprintf(stderr, "\n");
  return 0;
}
