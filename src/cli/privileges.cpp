// Commands that read or change the machine need CAP_NET_ADMIN (netlink,
// nftables, OVS) and CAP_SYS_ADMIN (setns, mounting /run/netns). Without
// them a user got "open lock /run/netlab/demo01.lock: Permission denied";
// now one line that says what is needed, before anything is tried.
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/context.hpp"

namespace netlab::cli {

namespace {

bool has_capability(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

}  // namespace

std::string missing_privileges() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return "";  // cannot tell: let the call say
  std::string missing;
  for (auto [cap, name] :
       {std::pair{CAP_NET_ADMIN, "CAP_NET_ADMIN"}, std::pair{CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}}) {
    if (!has_capability(data, cap)) missing += (missing.empty() ? "" : " and ") + std::string(name);
  }
  return missing;
}

bool require_privileges(Context& ctx, const std::string& command, const std::string& instead) {
  std::string missing = missing_privileges();
  if (missing.empty()) return true;
  ctx.reporter.error("netlab " + command +
                     " needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN; this process lacks " + missing +
                     "): run it as root, e.g. with sudo" + (instead.empty() ? "" : "; " + instead));
  ctx.exit_code = kError;
  return false;
}

}  // namespace netlab::cli
