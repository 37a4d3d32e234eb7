// The kernel's floor for observing a standing lab: what netlab's observe asks
// of every namespace of the lab and of the root namespace, done with bare
// system calls and no parsing, on the same number of threads. netlab's
// `plan --timings` observe beside this program's figure, on the same lab, is
// the part of the observe that is netlab's own (docs/performance.md).
//
//   observe_floor PREFIX [THREADS=2] [REPS=9] [--qdisc] [--per-family]
//
// For every namespace under /run/netns whose name starts with PREFIX (a lab
// of bench/compare.sh: "<P>h<i>"), on THREADS threads taking namespaces from a
// shared counter, as observe does:
//   open its file, setns into it, open a route socket, setns back;
//   dump its links (no statistics: RTEXT_FILTER_SKIP_STATS), addresses and
//   routes (AF_UNSPEC, or --per-family: IPv4 and IPv6 apart), and with
//   --qdisc its qdiscs; read every reply into one buffer and drop it;
//   ask it the id it gives the root namespace (RTM_GETNSID): observe asks
//   one such question per host to pair the veth ends;
//   close the socket and the file.
// The root namespace is one more job: the same dumps through a socket opened
// once. Prints the median wall time of REPS rounds, and the CPU time.
// Reads only; needs root (setns).
#include <dirent.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

bool g_qdisc = false;
bool g_per_family = false;

struct Request {
  nlmsghdr h;
  char body[64];
};

// Sends one request of `type` with the family header `hdr` (and, for links,
// IFLA_EXT_MASK), then reads until the dump's end or the ack. false on error.
bool ask(int sk, int type, int flags, const void* hdr, std::size_t hdr_len, int attr_type = 0,
         std::uint32_t attr = 0) {
  Request r{};
  r.h.nlmsg_type = static_cast<std::uint16_t>(type);
  r.h.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
  std::memcpy(r.body, hdr, hdr_len);
  std::size_t len = NLMSG_LENGTH(NLMSG_ALIGN(hdr_len));
  if (attr_type) {
    auto* a = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&r) + len);
    a->rta_type = static_cast<std::uint16_t>(attr_type);
    a->rta_len = RTA_LENGTH(sizeof attr);
    std::memcpy(RTA_DATA(a), &attr, sizeof attr);
    len += RTA_ALIGN(a->rta_len);
  }
  r.h.nlmsg_len = static_cast<std::uint32_t>(len);
  if (send(sk, &r, len, 0) < 0) return false;
  static thread_local std::vector<char> buf(32768);
  for (;;) {
    ssize_t n = recv(sk, buf.data(), buf.size(), 0);
    if (n <= 0) return false;
    int left = static_cast<int>(n);
    for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(m, left);
         m = NLMSG_NEXT(m, left)) {
      if (m->nlmsg_type == NLMSG_DONE) return true;
      if (m->nlmsg_type == NLMSG_ERROR)
        return reinterpret_cast<nlmsgerr*>(NLMSG_DATA(m))->error == 0;
      if (!(flags & NLM_F_DUMP)) return true;  // the one answer
    }
  }
}

bool dump_all(int sk) {
  ifinfomsg ifi{};
  bool ok = ask(sk, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi, IFLA_EXT_MASK,
                RTEXT_FILTER_SKIP_STATS);
  std::vector<unsigned char> families{AF_UNSPEC};
  if (g_per_family) families = {AF_INET, AF_INET6};
  for (unsigned char f : families) {
    ifaddrmsg ifa{};
    ifa.ifa_family = f;
    ok = ask(sk, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa) && ok;
  }
  for (unsigned char f : families) {
    rtmsg rtm{};
    rtm.rtm_family = f;
    ok = ask(sk, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof rtm) && ok;
  }
  if (g_qdisc) {
    tcmsg t{};
    ok = ask(sk, RTM_GETQDISC, NLM_F_DUMP, &t, sizeof t) && ok;
  }
  return ok;
}

int route_socket() {
  int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sk < 0) return -1;
  int size = 1 << 20;
  setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(sk, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    close(sk);
    return -1;
  }
  return sk;
}

// One host namespace: see the file's comment. `home` is the thread's own
// namespace, `root_fd` the root namespace's file for the id question.
bool observe_namespace(const std::string& name, int home, int root_fd) {
  int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (setns(fd, CLONE_NEWNET) != 0) {
    close(fd);
    return false;
  }
  int sk = route_socket();
  if (setns(home, CLONE_NEWNET) != 0) std::abort();  // never observe the wrong namespace
  bool ok = sk >= 0 && dump_all(sk);
  rtgenmsg g{};
  ok = ok && ask(sk, RTM_GETNSID, 0, &g, sizeof g, NETNSA_FD, static_cast<std::uint32_t>(root_fd));
  if (sk >= 0) close(sk);
  close(fd);
  return ok;
}

std::vector<std::string> lab_namespaces(const std::string& prefix) {
  std::vector<std::string> out;
  if (DIR* d = opendir("/run/netns")) {
    while (dirent* e = readdir(d))
      if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) out.push_back(e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int a = 1; a < argc; ++a) {
    std::string s = argv[a];
    if (s == "--qdisc")
      g_qdisc = true;
    else if (s == "--per-family")
      g_per_family = true;
    else
      args.push_back(s);
  }
  if (args.empty()) {
    std::fprintf(stderr,
                 "usage: observe_floor PREFIX [THREADS=2] [REPS=9] [--qdisc] [--per-family]\n");
    return 2;
  }
  const int threads = args.size() > 1 ? std::max(1, std::atoi(args[1].c_str())) : 2;
  const int reps = args.size() > 2 ? std::max(1, std::atoi(args[2].c_str())) : 9;
  const auto names = lab_namespaces(args[0]);
  if (names.empty()) {
    std::fprintf(stderr, "observe_floor: no namespace under /run/netns starts with %s\n",
                 args[0].c_str());
    return 1;
  }
  const int root_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int root_sk = route_socket();
  if (root_fd < 0 || root_sk < 0) {
    std::perror("observe_floor: the root namespace");
    return 1;
  }
  std::vector<double> wall;
  double cpu0 = cpu_seconds();
  std::atomic<int> failures{0};
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      for (std::size_t i = next++; i <= names.size(); i = next++) {
        bool ok = i == 0 ? dump_all(root_sk) : observe_namespace(names[i - 1], home, root_fd);
        if (!ok) ++failures;
      }
      close(home);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  double cpu_ms = (cpu_seconds() - cpu0) * 1000 / reps;
  std::vector<double> sorted = wall;
  std::sort(sorted.begin(), sorted.end());
  std::printf("observe floor: %zu namespaces + root, %d threads%s%s: median %.1f ms (%.1f-%.1f), "
              "CPU %.1f ms per round\n",
              names.size(), threads, g_qdisc ? ", qdisc dumps" : "",
              g_per_family ? ", per family" : "", sorted[sorted.size() / 2], sorted.front(),
              sorted.back(), cpu_ms);
  if (failures) {
    std::fprintf(stderr, "observe_floor: %d requests failed\n", failures.load());
    return 1;
  }
  return 0;
}
