// Sockets that live in another network namespace. A socket belongs to the
// namespace it was created in, whichever thread uses it later; so only the
// creation needs the namespace, and it happens on a dedicated thread that
// setns()es and then exits. No other thread (least of all the caller's)
// ever changes namespace.
#pragma once

#include <sys/socket.h>

#include <string>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"

namespace netlab::check {

/// An owned file descriptor (-1 = none).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol) created in
/// namespace `ns` ("" = this process's namespace, no thread involved).
Result<UniqueFd> socket_in(const std::string& ns, int domain, int type, int protocol);

/// A non-blocking, close-on-exec TCP socket of `family` (4 or 6) in `ns`.
Result<UniqueFd> tcp_socket_in(const std::string& ns, int family);

/// `address`:`port` as a sockaddr; returns its length.
socklen_t make_sockaddr(const IpAddress& address, int port, sockaddr_storage& out);

}  // namespace netlab::check
