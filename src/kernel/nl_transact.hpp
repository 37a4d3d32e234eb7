// One netlink request and its answer on a namespace's socket: send, collect
// replies, wait for the ack, and keep the real errno (and the kernel's
// extended-ack text) instead of libnl's folded NLE_* code.
#pragma once

#include <linux/netlink.h>

#include <functional>
#include <string>

#include "kernel/netns_handle.hpp"

namespace netlab::nl {

struct Reply {
  int err = 0;      ///< errno from the kernel's ack (0 = success)
  std::string ext;  ///< extended-ack message, if the kernel gave one
  bool ok() const { return err == 0; }
};

/// Sends `msg` on `h`'s socket (locking it) and waits for the ack or the end
/// of a dump. `on_reply` sees each reply message of this request.
Reply transact(NetnsHandle& h, nl_msg* msg,
               const std::function<void(const nlmsghdr*)>& on_reply = {});

/// Same on a socket the caller already owns exclusively.
Reply transact(nl_sock* sk, nl_msg* msg, const std::function<void(const nlmsghdr*)>& on_reply = {});

}  // namespace netlab::nl
