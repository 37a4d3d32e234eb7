// An owned file descriptor: the one RAII fd class of netlab (kernel sockets
// and namespace files, pipes around a forked child, check sockets).
#pragma once

#include <fcntl.h>
#include <sys/select.h>
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

/// `fd` moved to a number of FD_SETSIZE (1024) or more when the descriptor
/// limit allows, else `fd` itself. netlab holds two descriptors per namespace
/// for as long as it runs; kept low, they push the descriptors of libraries
/// that wait with select() past 1023, and libnftables then aborts
/// ("bit out of range 0 - FD_SETSIZE on fd_set") in a 1000-host lab.
inline UniqueFd above_select_range(UniqueFd fd) {
  if (!fd.valid() || fd.get() >= FD_SETSIZE) return fd;
  int high = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, FD_SETSIZE);
  return high >= 0 ? UniqueFd(high) : std::move(fd);
}

}  // namespace netlab
