// The real ThroughputMeter: libiperf (iperf3 3.12's library) at both ends.
//
// Why a forked child per end, and not a thread per end that setns()es (as
// netns_socket.cpp does for a socket): libiperf keeps process-wide state.
// Its timers live in one global list (timer.c: `static Timer* timers`) that
// every running test walks and changes from its own loop, errors go through
// the global `i_errno`, and a few paths call exit(). A server and a client
// in two threads of one process (or two assertions at once) would run each
// other's timers and corrupt the list. In a child each end has its own copy
// of all of it, can be killed at a deadline whatever state libiperf is in,
// and its exit() ends only itself.
//
// The child runs only code that is safe after fork() in a threaded process
// with glibc: system calls, malloc and stdio on files it opens itself
// (glibc resets their locks in the child). It enters the namespace with
// setns() first, closes every inherited descriptor but its pipe (a copy of
// another assertion's listening socket must not outlive it), sends
// libiperf's output to /dev/null, writes its result to the pipe and _exit()s.
// No iperf3 process is exec'd: the measuring code is the library's.
#include <fcntl.h>
// iperf_api.h uses uint64_t but includes <stdint.h> only under HAVE_STDINT_H,
// so <stdint.h> must come first.
// clang-format off
#include <stdint.h>
#include <iperf_api.h>
// clang-format on
#include <linux/close_range.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/unique_fd.hpp"
#include "kernel/netns_file.hpp"
#include "netlab/throughput_meter.hpp"

namespace netlab {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kChildPipeFd = 3;
/// How long the client may try to connect (libiperf's connect timeout).
constexpr int kConnectTimeoutMs = 2000;

std::string where(const std::string& ns) {
  return ns.empty() ? "the root namespace" : "netns " + ns;
}

// ---- in the child: system calls and libiperf only -------------------------

/// Enters the namespace, keeps only stdin/out/err (all /dev/null) and the
/// pipe (as fd 3). Returns false when the namespace cannot be entered.
bool child_setup(int ns_fd, int pipe_fd, int devnull) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // netlab gone: the measurement goes too
  ::signal(SIGPIPE, SIG_IGN);          // a peer gone mid-test is an error, not a death
  if (ns_fd >= 0 && nl::enter_netns(ns_fd) != 0) return false;
  // Above the descriptors about to be replaced first, so that none of the
  // dup2()s below closes the other (netlab may run with 0-2 closed).
  int pipe_hi = ::fcntl(pipe_fd, F_DUPFD, 10);
  int null_hi = ::fcntl(devnull, F_DUPFD, 10);
  if (pipe_hi < 0 || null_hi < 0) return false;
  ::dup2(null_hi, 0);
  ::dup2(null_hi, 1);
  ::dup2(null_hi, 2);
  ::dup2(pipe_hi, kChildPipeFd);
  ::syscall(SYS_close_range, kChildPipeFd + 1, ~0U, 0);
  return true;
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void write_text(const char* s) { write_all(kChildPipeFd, s, std::strlen(s)); }

/// A libiperf test with the settings both ends share: quiet, JSON kept in
/// memory, human output to /dev/null.
iperf_test* quiet_test(char role) {
  iperf_test* t = iperf_new_test();
  if (!t) return nullptr;
  iperf_defaults(t);
  iperf_set_test_role(t, role);
  iperf_set_verbose(t, 0);
  iperf_set_test_json_output(t, 1);
  iperf_set_test_logfile(t, "/dev/null");
  iperf_set_test_stats_interval(t, 0);
  iperf_set_test_reporter_interval(t, 0);
  iperf_set_test_omit(t, 0);
  return t;
}

/// A port no socket in this namespace holds now on `family`: the kernel's
/// pick for a bind to port 0. (It could be taken again before the server
/// binds it; then the server fails and the assertion says why.)
int free_port(int family) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage sa{};
  sa.ss_family = static_cast<sa_family_t>(family);
  socklen_t len = family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
  }
  ::close(fd);
  return port;
}

/// Server: writes "PORT\n" once it has chosen one, then serves one test.
[[noreturn]] void server_child(int family, const char* address) {
  int port = free_port(family);
  if (port <= 0) {
    write_text("error: no free TCP port\n");
    ::_exit(2);
  }
  char line[32];
  std::snprintf(line, sizeof line, "%d\n", port);
  iperf_test* t = quiet_test('s');
  if (!t) ::_exit(2);
  iperf_set_test_server_port(t, port);
  iperf_set_test_bind_address(t, address);
  iperf_set_test_one_off(t, 1);
  write_text(line);
  int rc = iperf_run_server(t);
  if (rc < 0) {
    write_text("error: ");
    write_text(iperf_strerror(i_errno));
  }
  ::_exit(rc < 0 ? 1 : 0);
}

/// Client: sends for `seconds` and writes libiperf's JSON result.
[[noreturn]] void client_child(const char* address, int port, int seconds) {
  iperf_test* t = quiet_test('c');
  if (!t) ::_exit(2);
  iperf_set_test_server_hostname(t, address);
  iperf_set_test_server_port(t, port);
  iperf_set_test_duration(t, seconds);
  iperf_set_test_connect_timeout(t, kConnectTimeoutMs);
  int rc = iperf_run_client(t);
  const char* json = iperf_get_test_json_output_string(t);
  if (json) {
    write_text(json);
  } else {
    write_text("error: ");
    write_text(iperf_strerror(i_errno));
  }
  ::_exit(rc < 0 ? 1 : 0);
}

// ---- in netlab -------------------------------------------------------------

/// A forked child, killed and reaped when this goes away.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { stop(std::chrono::milliseconds(0)); }

  pid_t pid = -1;
  UniqueFd out;  ///< read end of the child's pipe

  /// Waits up to `grace` for the child to exit, then kills it; reaps it.
  void stop(std::chrono::milliseconds grace) {
    if (pid <= 0) return;
    auto deadline = Clock::now() + grace;
    int status = 0;
    while (true) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) break;
      if (Clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid = -1;
  }
};

template <class Body>
Status spawn(Child& c, const std::string& ns, const std::string& what, Body body) {
  UniqueFd ns_fd;
  if (!ns.empty()) {
    auto f = nl::open_netns(ns);
    if (!f.ok()) return f.error();
    ns_fd = std::move(*f);
  }
  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  int p[2];
  if (!devnull.valid() || ::pipe2(p, O_CLOEXEC) != 0)
    return system_error(ErrorKind::Process, what + ": pipe", errno);
  UniqueFd r(p[0]), w(p[1]);
  pid_t pid = ::fork();
  if (pid < 0) return system_error(ErrorKind::Process, what + ": fork", errno);
  if (pid == 0) {
    if (!child_setup(ns_fd.get(), w.get(), devnull.get())) ::_exit(3);
    body();  // does not return
  }
  c.pid = pid;
  c.out = std::move(r);
  return Status::ok_status();
}

/// Reads what the child writes until EOF or `deadline`; false on timeout.
bool read_until_eof(int fd, Clock::time_point deadline, std::string& text,
                    std::size_t stop_at_newline = 0) {
  char buf[4096];
  while (true) {
    if (stop_at_newline && text.find('\n') != std::string::npos) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd pf{fd, POLLIN, 0};
    int r = ::poll(&pf, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (8u << 20)) return true;  // libiperf's JSON is a few kB
  }
}

/// Whether process `pid`'s namespace has a TCP socket listening on `port`
/// (/proc/PID/net/tcp{,6} show the namespace of that process).
bool listening(pid_t pid, int port) {
  char want[16];
  std::snprintf(want, sizeof want, ":%04X", port);
  for (const char* file : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      fields >> sl >> local >> remote >> state;
      if (state == "0A" && local.size() > 5 && local.ends_with(want)) return true;
    }
  }
  return false;
}

std::string first_line(std::string s) {
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

Result<ThroughputSample> parse_result(const std::string& text, const std::string& what) {
  if (text.rfind("error: ", 0) == 0)
    return make_error(ErrorKind::Process, what + ": " + first_line(text.substr(7)));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(ErrorKind::Process, what + ": libiperf gave no result" +
                                              (text.empty() ? "" : ": " + first_line(text)));
  if (j.contains("error") && j["error"].is_string())
    return make_error(ErrorKind::Process, what + ": " + j["error"].get<std::string>());
  const auto& end = j.value("end", nlohmann::json::object());
  const auto& rx = end.value("sum_received", nlohmann::json::object());
  if (!rx.contains("bits_per_second"))
    return make_error(ErrorKind::Process, what + ": libiperf's result has no end.sum_received");
  ThroughputSample s;
  s.bits_per_second = rx.value("bits_per_second", 0.0);
  s.bytes = rx.value("bytes", 0.0);
  s.seconds = rx.value("seconds", 0.0);
  const auto& tx = end.value("sum_sent", nlohmann::json::object());
  if (tx.contains("retransmits") && tx["retransmits"].is_number())
    s.retransmits = tx["retransmits"].get<double>();
  return s;
}

class IperfMeter final : public ThroughputMeter {
 public:
  Result<ThroughputSample> measure(const std::string& from_ns, const std::string& to_ns,
                                   const IpAddress& address, int seconds) override {
    if (seconds < 1) seconds = 1;
    std::string addr = address.str();
    int family = address.family == 6 ? AF_INET6 : AF_INET;
    std::string server_what = "throughput server on " + addr + " in " + where(to_ns);
    std::string client_what = "throughput client in " + where(from_ns) + " to " + addr;

    Child server;
    auto s = spawn(server, to_ns, server_what, [&] { server_child(family, addr.c_str()); });
    if (!s.ok()) return s.error();
    std::string line;
    if (!read_until_eof(server.out.get(), Clock::now() + std::chrono::seconds(2), line, 1) ||
        line.find('\n') == std::string::npos)
      return make_error(ErrorKind::Process, server_what + ": it did not start" +
                                                (line.empty() ? "" : ": " + first_line(line)));
    if (line.rfind("error: ", 0) == 0)
      return make_error(ErrorKind::Process, server_what + ": " + first_line(line.substr(7)));
    int port = std::atoi(line.c_str());
    // The client must not connect before the server listens.
    auto listen_deadline = Clock::now() + std::chrono::seconds(2);
    while (!listening(server.pid, port)) {
      int status = 0;
      if (::waitpid(server.pid, &status, WNOHANG) == server.pid) {
        server.pid = -1;
        // What the first read took beyond the port's line (a fast failure
        // writes both before netlab reads), then the rest: the child has
        // exited, so its pipe ends at once.
        std::string why = line.substr(line.find('\n') + 1);
        read_until_eof(server.out.get(), Clock::now() + std::chrono::milliseconds(200), why);
        auto at = why.find("error: ");
        return make_error(
            ErrorKind::Process,
            server_what + ": it exited before listening on port " + std::to_string(port) +
                (at == std::string::npos ? "" : ": " + first_line(why.substr(at + 7))));
      }
      if (Clock::now() >= listen_deadline)
        return make_error(ErrorKind::Process, server_what + ": not listening on port " +
                                                  std::to_string(port) + " after 2 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }

    Child client;
    auto c =
        spawn(client, from_ns, client_what, [&] { client_child(addr.c_str(), port, seconds); });
    if (!c.ok()) return c.error();
    std::string json;
    // The test, the connect timeout, libiperf's end-of-test exchange, a margin.
    auto deadline = Clock::now() + std::chrono::seconds(seconds) +
                    std::chrono::milliseconds(kConnectTimeoutMs) + std::chrono::seconds(5);
    bool done = read_until_eof(client.out.get(), deadline, json);
    client.stop(std::chrono::milliseconds(done ? 1000 : 0));
    server.stop(std::chrono::milliseconds(500));
    if (!done)
      return make_error(ErrorKind::Process, client_what + ": no result within " +
                                                std::to_string(seconds + 7) + " s; stopped it");
    return parse_result(json, client_what);
  }
};

}  // namespace

ThroughputMeter& system_throughput_meter() {
  static IperfMeter meter;
  return meter;
}

}  // namespace netlab
