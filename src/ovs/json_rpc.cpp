#include "ovs/json_rpc.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ovs/messages.hpp"
#include "ovs/rpc_message.hpp"

namespace netlab::ovs {

using nlohmann::json;

namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left.count());
}

}  // namespace

Result<std::unique_ptr<JsonRpcConnection>> JsonRpcConnection::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return make_error(ErrorKind::Ovs, "connect to ovsdb at " + path + ": invalid unix socket path");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return system_error(ErrorKind::Ovs, "socket(AF_UNIX) for ovsdb", errno);
  // A unix-socket connect either succeeds or fails at once (ENOENT,
  // ECONNREFUSED); EAGAIN means the listen backlog is full.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    return system_error(ErrorKind::Ovs, "connect to ovsdb at " + path, err);
  }
  return std::unique_ptr<JsonRpcConnection>(new JsonRpcConnection(fd, path));
}

JsonRpcConnection::~JsonRpcConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Error JsonRpcConnection::fail(Error e) {
  broken_ = true;
  return e;
}

Status JsonRpcConnection::send_text(const std::string& text, Clock::time_point deadline) {
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::send(fd_, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int r = ::poll(&p, 1, remaining_ms(deadline));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return fail(system_error(ErrorKind::Ovs, "poll on ovsdb socket " + path_, errno));
      if (r == 0)
        return fail(make_error(ErrorKind::Timeout, "send to ovsdb at " + path_ + ": timed out"));
      continue;
    }
    return fail(system_error(ErrorKind::Ovs, "send to ovsdb at " + path_, errno));
  }
  return {};
}

Result<json> JsonRpcConnection::read_message(Clock::time_point deadline) {
  for (;;) {
    if (auto text = splitter_.next()) {
      try {
        return json::parse(*text);
      } catch (const json::exception& e) {
        return fail(
            make_error(ErrorKind::Ovs, "ovsdb at " + path_ + " sent invalid JSON: " + e.what()));
      }
    }
    if (!splitter_.error().empty())
      return fail(make_error(ErrorKind::Ovs, "ovsdb at " + path_ + ": " + splitter_.error()));
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(system_error(ErrorKind::Ovs, "poll on ovsdb socket " + path_, errno));
    if (r == 0)
      return fail(make_error(ErrorKind::Timeout, "no reply from ovsdb at " + path_ + " in time"));
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0) return fail(system_error(ErrorKind::Ovs, "read from ovsdb at " + path_, errno));
    if (n == 0)
      return fail(make_error(ErrorKind::Ovs, "ovsdb at " + path_ + " closed the connection"));
    splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

Result<json> JsonRpcConnection::call(const std::string& method, json params,
                                     std::chrono::milliseconds timeout) {
  if (broken_) return make_error(ErrorKind::Ovs, "ovsdb connection to " + path_ + " is broken");
  const auto deadline = Clock::now() + timeout;
  const std::int64_t id = next_id_++;
  json request = {{"method", method}, {"params", std::move(params)}, {"id", id}};
  if (Status s = send_text(request.dump(), deadline); !s) return s.error();
  for (;;) {
    auto msg = read_message(deadline);
    if (!msg) return msg.error();
    if (auto answer = echo_answer(*msg)) {
      if (Status s = send_text(answer->dump(), deadline); !s) return s.error();
      continue;
    }
    if (auto reply = reply_to(*msg, id, method)) return std::move(*reply);
  }
}

}  // namespace netlab::ovs
