// Sockets that live in another network namespace. A socket belongs to the
// namespace it was created in, whichever thread uses it later; so only the
// creation needs the namespace, and it happens on a dedicated thread that
// setns()es and then exits. No other thread (least of all the caller's)
// ever changes namespace (why this model: kernel/netns_file.hpp).
#pragma once

#include <sys/socket.h>

#include <string>

#include "core/unique_fd.hpp"
#include "netlab/error.hpp"
#include "netlab/ip.hpp"

namespace netlab::check {

/// socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol) created in
/// namespace `ns` ("" = this process's namespace, no thread involved).
Result<UniqueFd> socket_in(const std::string& ns, int domain, int type, int protocol);

/// A non-blocking, close-on-exec TCP socket of `family` (4 or 6) in `ns`.
Result<UniqueFd> tcp_socket_in(const std::string& ns, int family);

/// `address`:`port` as a sockaddr; returns its length.
socklen_t make_sockaddr(const IpAddress& address, int port, sockaddr_storage& out);

}  // namespace netlab::check
