// One network namespace as the kernel layer holds it: an open namespace file
// and a netlink socket bound to that namespace, with a mutex serialising the
// socket. The socket was opened from a thread that had setns'd into the
// namespace; it stays bound there and is usable from any thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <string>

#include "core/unique_fd.hpp"
#include "kernel/nl_handles.hpp"
#include "netlab/error.hpp"

namespace netlab::nl {

struct NetnsHandle {
  std::string name;  ///< "" = the root namespace (the one netlab started in)
  UniqueFd fd;       ///< the namespace file, for setns and IFLA_NET_NS_FD
  dev_t dev = 0;     ///< identity of the namespace (nsfs inode)
  ino_t ino = 0;
  std::mutex mu;  ///< held while `sock` is in use
  SockPtr sock;
};

/// Opens a NETLINK_ROUTE socket bound to the calling thread's namespace,
/// with extended acks and a receive timeout. Returns errno on failure.
Result<SockPtr> open_route_socket();

/// Returns the calling thread to the network namespace it was in when this
/// was made. A thread's network namespace is its own (setns and
/// unshare(CLONE_NEWNET) change only the calling thread), so the kernel layer
/// switches the calling thread for a moment instead of starting a helper
/// thread: a helper costs a clone, a wake-up and a join per namespace, and
/// while netlab's own threads keep both cores busy it waits for a core.
class NetnsReturn {
 public:
  NetnsReturn();
  /// Switches back. If that fails the process stops (abort): a thread left
  /// in another namespace would go on changing the wrong network.
  ~NetnsReturn();
  NetnsReturn(const NetnsReturn&) = delete;
  NetnsReturn& operator=(const NetnsReturn&) = delete;
  /// errno of remembering the namespace; the thread must not leave it unless 0.
  int error() const { return err_; }

 private:
  UniqueFd home_;
  int err_ = 0;
};

/// Runs `fn` with the calling thread in namespace `ns_fd` (setns) and puts
/// the thread back before returning, also when `fn` throws. Returns the errno
/// of entering the namespace, 0 when `fn` ran.
int run_in_netns(int ns_fd, const std::function<void()>& fn);

}  // namespace netlab::nl
