#include "check/tcp.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "check/netns_socket.hpp"
#include "check/shared_address.hpp"
#include "check/target.hpp"

namespace netlab::check {

namespace {

using Clock = std::chrono::steady_clock;

std::string endpoint_text(const IpAddress& a, int port) {
  std::string host = a.family == 6 ? "[" + a.str() + "]" : a.str();
  return host + ":" + std::to_string(port);
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g ms", ms);
  return buf;
}

struct Listener {
  std::string ns;
  UniqueFd fd;
};

/// A listening socket on `addr`:`port` inside `ns`.
Result<Listener> listen_in(const std::string& ns, const IpAddress& addr, int port) {
  auto sock = tcp_socket_in(ns, addr.family);
  if (!sock.ok()) return sock.error();
  int one = 1;
  ::setsockopt(sock->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage sa;
  socklen_t len = make_sockaddr(addr, port, sa);
  std::string what = "listen on " + endpoint_text(addr, port) + " in " + where(ns);
  if (::bind(sock->get(), reinterpret_cast<sockaddr*>(&sa), len) != 0)
    return system_error(ErrorKind::Process, what, errno);
  if (::listen(sock->get(), 4) != 0) return system_error(ErrorKind::Process, what, errno);
  return Listener{ns, std::move(*sock)};
}

struct ConnectOutcome {
  bool connected = false;
  std::string failure;  ///< why not, when !connected
  double ms = 0;
};

ConnectOutcome connect_from(const std::string& ns, const IpAddress& addr, int port,
                            std::chrono::milliseconds timeout) {
  ConnectOutcome out;
  auto sock = tcp_socket_in(ns, addr.family);
  if (!sock.ok()) {
    out.failure = "no socket: " + sock.error().message;
    return out;
  }
  sockaddr_storage sa;
  socklen_t len = make_sockaddr(addr, port, sa);
  auto t0 = Clock::now();
  int rc = ::connect(sock->get(), reinterpret_cast<sockaddr*>(&sa), len);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    pollfd p{sock->get(), POLLOUT, 0};
    int left = static_cast<int>(timeout.count());
    int r;
    do {
      r = ::poll(&p, 1, left);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
      out.failure = "no answer within " + format_ms(static_cast<double>(timeout.count()));
      out.ms = ms_since(t0);
      return out;
    }
    socklen_t el = sizeof err;
    if (r < 0 || ::getsockopt(sock->get(), SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
  }
  out.ms = ms_since(t0);
  if (err != 0) {
    out.failure = "connect: " + errno_text(err);
    return out;
  }
  out.connected = true;
  return out;
}

/// Waits for the connection on one of the listeners; the accepting namespace or "".
std::optional<std::string> accept_one(std::vector<Listener>& listeners,
                                      std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  for (auto& l : listeners) fds.push_back({l.fd.get(), POLLIN, 0});
  if (fds.empty()) return std::nullopt;
  int r;
  do {
    r = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  for (std::size_t i = 0; r > 0 && i < fds.size(); ++i) {
    if (!(fds[i].revents & POLLIN)) continue;
    UniqueFd conn(::accept4(listeners[i].fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.get() >= 0) return listeners[i].ns;
  }
  return std::nullopt;
}

}  // namespace

CheckResult run_tcp(const TcpTest& test, const Model& model, const Observed& observed,
                    ArpProber& arp, std::chrono::milliseconds connect_timeout) {
  CheckResult r;
  bool expect_fail = test.expect == Expect::Fail;
  std::string suffix = expect_fail ? ", expect fail" : "";
  std::string port = std::to_string(test.port);
  auto target = resolve_target(model, test.to, observed);
  if (!target.ok()) {
    r.name = "tcp " + test.from + " -> " + test.to.str() + " port " + port + suffix;
    r.expected = std::string("connection to ") + test.to.str() + " port " + port +
                 (expect_fail ? " fails" : " accepted");
    r.actual = target.error().message;
    r.detail = r.actual;
    return r;
  }
  std::string ep = endpoint_text(target->address, test.port);
  r.name = "tcp " + test.from + " -> " + target->label + " port " + port + suffix;
  r.expected = "connection to " + ep + (expect_fail ? " fails" : " accepted");
  if (auto shared = probe_shared_address(test.to, test.from, *target, observed, arp, 1)) {
    if (shared->error) {
      r.actual = r.detail = *shared->error;
      return r;
    }
    std::string how = " (" + shared->note + ", so a connection would stay inside " + test.from +
                      "; asked with ARP instead)";
    if (shared->reached) {
      // Reachable at layer 2, yet no connection to it can be made from here.
      r.actual = shared->actual + how + ": cannot test TCP to it from " + test.from;
      r.detail = r.actual;
      return r;
    }
    r.actual = shared->actual + how;
    r.passed = expect_fail;
    r.detail = expect_fail ? "unreachable, as expected: " + r.actual : r.actual;
    return r;
  }

  std::vector<Listener> listeners;
  for (const auto& ns : target->holders) {
    auto l = listen_in(ns, target->address, test.port);
    if (!l.ok()) {
      // Without our listener the assertion would test something else.
      r.actual = "cannot " + l.error().message;
      r.detail = r.actual;
      return r;
    }
    listeners.push_back(std::move(*l));
  }
  std::string note = listeners.empty() ? " (no lab interface holds " + target->address.str() +
                                             ": no listener started)"
                                       : "";

  ConnectOutcome c = connect_from(netns_of(test.from), target->address, test.port, connect_timeout);
  if (!c.connected) {
    r.actual = c.failure + note;
    r.passed = expect_fail;
    r.detail = expect_fail ? "connection failed, as expected: " + c.failure : r.actual;
    return r;
  }
  auto accepted = accept_one(listeners, std::chrono::milliseconds(1000));
  r.actual = "connected in " + format_ms(c.ms);
  if (accepted) r.actual += ", accepted by the listener in " + where(*accepted);
  r.actual += note;
  r.passed = !expect_fail;
  r.detail = expect_fail ? "connected, but expected to fail: " + r.actual : r.actual;
  return r;
}

}  // namespace netlab::check
