// Opening and entering a named network namespace (/run/netns/NAME): the part
// that the four ways netlab runs something in a namespace share. Each keeps
// its own threading model, for a reason:
// - kernel (netns_handle.hpp, run_in_netns): switches the calling thread for
//   a moment and back, aborting if it cannot return. `up` opens a socket in
//   every namespace; a helper thread per namespace would cost a clone, a
//   wake-up and a join each while netlab's own threads keep the cores busy.
// - services (processes.cpp): the forked child enters before exec; the
//   parent never changes namespace. Only system calls are allowed after
//   fork, so the file is opened (and the name checked) before it.
// - check (netns_socket.cpp): a short-lived thread enters, creates a socket
//   and exits; checks run from many threads at once and need the namespace
//   only while a socket is created, and a thread that ends needs no way back.
// - capture (src/capture): a thread per capture enters, opens the pcap
//   handle and stays, as the only reader of it, until the capture ends.
#pragma once

#include <string>

#include "core/unique_fd.hpp"
#include "netlab/error.hpp"

namespace netlab::nl {

inline constexpr const char* kNetnsRunDir = "/run/netns";

/// Whether `ns` is acceptable as a file name under /run/netns.
bool valid_netns_name(const std::string& ns);

/// "/run/netns/NS".
std::string netns_path(const std::string& ns);

/// Opens /run/netns/NS read-only and close-on-exec. An invalid name (see
/// valid_netns_name) is a Bug; a missing file a Kernel error, any other
/// failure a Permission error: "open namespace /run/netns/NS: <errno text>".
Result<UniqueFd> open_netns(const std::string& ns);

/// setns(ns_fd, CLONE_NEWNET) for the calling thread: 0 or the errno. Only
/// the system call, so a forked child may call it.
int enter_netns(int ns_fd);

/// The error of a failed enter_netns: "enter netns NS: <errno text>".
Error enter_netns_error(ErrorKind kind, const std::string& ns, int err);

}  // namespace netlab::nl
