// One network namespace as the kernel layer holds it: an open namespace file
// and a netlink socket bound to that namespace, with a mutex serialising the
// socket. The socket was opened from a thread that had setns'd into the
// namespace; it stays bound there and is usable from any thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <string>

#include "kernel/nl_handles.hpp"
#include "netlab/error.hpp"

namespace netlab::nl {

struct NetnsHandle {
  std::string name;  ///< "" = the root namespace (the one netlab started in)
  Fd fd;             ///< the namespace file, for setns and IFLA_NET_NS_FD
  dev_t dev = 0;     ///< identity of the namespace (nsfs inode)
  ino_t ino = 0;
  std::mutex mu;  ///< held while `sock` is in use
  SockPtr sock;
};

/// Opens a NETLINK_ROUTE socket bound to the calling thread's namespace,
/// with extended acks and a receive timeout. Returns errno on failure.
Result<SockPtr> open_route_socket();

/// Runs `fn` on a new thread that has joined namespace `ns_fd` (setns),
/// so that the caller's own namespace never changes. Returns the errno of
/// setns or thread creation, 0 when `fn` ran.
int run_in_netns(int ns_fd, const std::function<void()>& fn);

}  // namespace netlab::nl
