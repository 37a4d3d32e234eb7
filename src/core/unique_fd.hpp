// An owned file descriptor: the one RAII fd class of netlab (kernel sockets
// and namespace files, pipes around a forked child, check sockets).
#pragma once

#include <unistd.h>

#include <utility>

namespace netlab {

/// Owns a file descriptor and closes it on destruction; -1 = none.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership: returns the fd and holds none.
  int release() { return std::exchange(fd_, -1); }
  /// Closes the held fd (if any) and holds `fd` instead.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace netlab
