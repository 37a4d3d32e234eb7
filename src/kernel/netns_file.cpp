#include "kernel/netns_file.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <climits>

namespace netlab::nl {

bool valid_netns_name(const std::string& ns) {
  return !ns.empty() && ns.size() < NAME_MAX && ns != "." && ns != ".." &&
         ns.find('/') == std::string::npos;
}

std::string netns_path(const std::string& ns) { return std::string(kNetnsRunDir) + "/" + ns; }

Result<UniqueFd> open_netns(const std::string& ns) {
  if (!valid_netns_name(ns))
    return make_error(ErrorKind::Bug, "invalid namespace name '" + ns + "'", EINVAL);
  const std::string path = netns_path(ns);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    return system_error(err == ENOENT ? ErrorKind::Kernel : ErrorKind::Permission,
                        "open namespace " + path, err);
  }
  return above_select_range(std::move(fd));
}

int enter_netns(int ns_fd) { return ::setns(ns_fd, CLONE_NEWNET) == 0 ? 0 : errno; }

Error enter_netns_error(ErrorKind kind, const std::string& ns, int err) {
  return system_error(kind, "enter netns " + ns, err);
}

}  // namespace netlab::nl
