#include "kernel/ethtool.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace netlab::nl {

int set_tx_checksum(NetnsHandle& h, const std::string& name, bool on) {
  if (name.size() >= IFNAMSIZ) return EINVAL;
  int result = 0;
  // The ioctl acts on the namespace of the socket: create it inside.
  int err = run_in_netns(h.fd.get(), [&] {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      result = errno;
      return;
    }
    ethtool_value value{};
    value.cmd = ETHTOOL_STXCSUM;
    value.data = on ? 1 : 0;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.c_str(), name.size());
    ifr.ifr_data = reinterpret_cast<char*>(&value);
    if (ioctl(fd, SIOCETHTOOL, &ifr) != 0) result = errno;
    close(fd);
  });
  return err != 0 ? err : result;
}

}  // namespace netlab::nl
