// RAII owners for libnl objects. Every libnl object the kernel layer
// allocates goes straight into one of these, so that no error path can leak
// it. File descriptors: netlab::UniqueFd (core/unique_fd.hpp).
#pragma once

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include <memory>

namespace netlab::nl {

/// Calls the libnl free/put function F on destruction.
template <auto F>
struct FreeWith {
  template <class T>
  void operator()(T* p) const {
    if (p) F(p);
  }
};

using SockPtr = std::unique_ptr<nl_sock, FreeWith<nl_socket_free>>;
using MsgPtr = std::unique_ptr<nl_msg, FreeWith<nlmsg_free>>;
using CachePtr = std::unique_ptr<nl_cache, FreeWith<nl_cache_free>>;
using CbPtr = std::unique_ptr<nl_cb, FreeWith<nl_cb_put>>;
using AddrPtr = std::unique_ptr<nl_addr, FreeWith<nl_addr_put>>;

}  // namespace netlab::nl
