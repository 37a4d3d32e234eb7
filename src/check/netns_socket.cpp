#include "check/netns_socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace netlab::check {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> socket_in(const std::string& ns, int domain, int type, int protocol) {
  auto open_socket = [&] {
    return ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  };
  if (ns.empty()) {
    int fd = open_socket();
    if (fd < 0) return system_error(ErrorKind::Process, "socket in the root namespace", errno);
    return UniqueFd(fd);
  }
  int fd = -1, err = 0;
  std::string step;
  // The thread ends right after the socket exists: its changed namespace
  // dies with it.
  std::thread worker([&] {
    std::string path = "/run/netns/" + ns;
    int nsfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
      err = errno;
      step = "open " + path;
      return;
    }
    if (::setns(nsfd, CLONE_NEWNET) != 0) {
      err = errno;
      step = "enter netns " + ns;
      ::close(nsfd);
      return;
    }
    ::close(nsfd);
    fd = open_socket();
    if (fd < 0) {
      err = errno;
      step = "socket in netns " + ns;
    }
  });
  worker.join();
  if (fd < 0) return system_error(ErrorKind::Process, step, err);
  return UniqueFd(fd);
}

Result<UniqueFd> tcp_socket_in(const std::string& ns, int family) {
  return socket_in(ns, family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
}

socklen_t make_sockaddr(const IpAddress& address, int port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.family == 6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&out);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&s6->sin6_addr, address.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&out);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(static_cast<std::uint16_t>(port));
  std::memcpy(&s4->sin_addr, address.bytes.data(), 4);
  return sizeof(sockaddr_in);
}

}  // namespace netlab::check
