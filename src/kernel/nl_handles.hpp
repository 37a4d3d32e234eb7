// RAII owners for libnl objects and file descriptors. Every libnl object the
// kernel layer allocates goes straight into one of these, so that no error
// path can leak it.
#pragma once

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <unistd.h>

#include <memory>
#include <utility>

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

/// An owned file descriptor (-1 = none).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace netlab::nl
