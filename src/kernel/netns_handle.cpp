#include "kernel/netns_handle.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernel/netns_file.hpp"
#include "kernel/nl_error.hpp"

namespace netlab::nl {

Result<SockPtr> open_route_socket() {
  SockPtr sk(nl_socket_alloc());
  if (!sk) return system_error(ErrorKind::Kernel, "allocate netlink socket", ENOMEM);
  // What nl_connect does (a socket, bound to a port the kernel picks), with
  // the descriptor above select()'s range (above_select_range).
  UniqueFd sock =
      above_select_range(UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)));
  if (!sock.valid()) return system_error(ErrorKind::Kernel, "open netlink socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
    return system_error(ErrorKind::Kernel, "bind netlink socket", errno);
  if (int r = nl_socket_set_fd(sk.get(), NETLINK_ROUTE, sock.get()); r < 0)
    return system_error(ErrorKind::Kernel, "connect netlink socket", nle_to_errno(r));
  int fd = sock.release();  // the nl_sock closes it
  int one = 1;
  // Extended acks carry the kernel's own explanation ("Unknown device type");
  // capped acks keep error replies small (no echo of the request).
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  // A lost reply must not hang netlab forever.
  timeval tv{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  // Dumps of a namespace with many links need room.
  nl_socket_set_buffer_size(sk.get(), 1 << 20, 1 << 20);
  nl_socket_set_msg_buf_size(sk.get(), 32768);
  return sk;
}

NetnsReturn::NetnsReturn() : home_(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  if (!home_.valid()) err_ = errno;
}

NetnsReturn::~NetnsReturn() {
  if (!home_.valid()) return;
  if (enter_netns(home_.get()) == 0) return;
  std::fprintf(stderr,
               "netlab: cannot return a thread to its network namespace (%s); stopping rather "
               "than acting on the wrong network\n",
               std::strerror(errno));
  std::abort();
}

int run_in_netns(int ns_fd, const std::function<void()>& fn) {
  NetnsReturn back;
  if (back.error()) return back.error();
  if (int err = enter_netns(ns_fd)) return err;
  fn();
  return 0;
}

}  // namespace netlab::nl
