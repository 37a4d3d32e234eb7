#include "check/netns_socket.hpp"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "kernel/netns_file.hpp"

namespace netlab::check {

Result<UniqueFd> socket_in(const std::string& ns, int domain, int type, int protocol) {
  auto open_socket = [&] {
    return ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  };
  if (ns.empty()) {
    int fd = open_socket();
    if (fd < 0) return system_error(ErrorKind::Process, "socket in the root namespace", errno);
    return UniqueFd(fd);
  }
  auto nsfd = nl::open_netns(ns);
  if (!nsfd) return nsfd.error();
  int fd = -1, err = 0, enter_err = 0;
  // The thread ends right after the socket exists: its changed namespace
  // dies with it.
  std::thread worker([&] {
    if ((enter_err = nl::enter_netns(nsfd->get()))) return;
    fd = open_socket();
    if (fd < 0) err = errno;
  });
  worker.join();
  if (enter_err) return nl::enter_netns_error(ErrorKind::Process, ns, enter_err);
  if (fd < 0) return system_error(ErrorKind::Process, "socket in netns " + ns, err);
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
