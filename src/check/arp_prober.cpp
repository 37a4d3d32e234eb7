// The real ArpProber: a SOCK_DGRAM packet socket for ETH_P_ARP, created in the
// namespace (so ioctl and bind see that namespace's interfaces), bound to
// one interface, sending broadcast probes and collecting the replies.
#include "netlab/arp_prober.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "check/arp_frame.hpp"
#include "check/netns_socket.hpp"
#include "check/observed.hpp"

namespace netlab {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kProbeInterval = std::chrono::milliseconds(200);

class SystemArpProber final : public ArpProber {
 public:
  Result<std::vector<std::string>> probe(const std::string& ns, const std::string& ifname,
                                         const IpAddress& target, int count,
                                         std::chrono::milliseconds wait) override {
    std::string what =
        "ARP probe for " + target.str() + " on " + ifname + " in " + check::where(ns);
    if (target.family != 4) return make_error(ErrorKind::Process, what + ": ARP is IPv4 only");
    if (ifname.size() >= IFNAMSIZ)
      return make_error(ErrorKind::Process, what + ": interface name too long");
    auto sock = check::socket_in(ns, AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP));
    if (!sock.ok()) return sock.error();
    int fd = sock->get();

    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) != 0)
      return system_error(ErrorKind::Process, what + ": find the interface", errno);
    int ifindex = ifr.ifr_ifindex;
    if (::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
      return system_error(ErrorKind::Process, what + ": read its MAC address", errno);
    check::MacBytes own{};
    std::memcpy(own.data(), ifr.ifr_hwaddr.sa_data, own.size());

    sockaddr_ll local{};
    local.sll_family = AF_PACKET;
    local.sll_protocol = htons(ETH_P_ARP);
    local.sll_ifindex = ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      return system_error(ErrorKind::Process, what + ": bind", errno);

    sockaddr_ll broadcast = local;
    broadcast.sll_halen = 6;
    std::memset(broadcast.sll_addr, 0xff, 6);
    auto payload = check::arp_probe_payload(own, target);

    std::vector<std::string> answered;
    if (count < 1) count = 1;
    auto next_send = Clock::now();
    int sent = 0;
    Clock::time_point deadline = Clock::time_point::max();
    while (Clock::now() < deadline) {
      auto now = Clock::now();
      if (sent < count && now >= next_send) {
        if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&broadcast),
                     sizeof broadcast) < 0)
          return system_error(ErrorKind::Process, what + ": send", errno);
        ++sent;
        next_send = now + kProbeInterval;
        if (sent == count) deadline = now + wait;
      }
      auto until = sent < count ? next_send : deadline;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(ms, 0) + 1));
      if (n < 0 && errno != EINTR) return system_error(ErrorKind::Process, what + ": poll", errno);
      if (n <= 0) continue;
      std::uint8_t buf[256];
      for (;;) {
        sockaddr_ll from{};
        socklen_t from_len = sizeof from;  // in and out: reset for every datagram
        ssize_t got =
            ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (got < 0) break;  // EAGAIN: drained
        // Our own probe comes back to the socket as PACKET_OUTGOING.
        if (from.sll_pkttype == PACKET_OUTGOING) continue;
        auto reply = check::parse_arp_reply(buf, static_cast<std::size_t>(got));
        if (!reply || reply->sender_ip != target) continue;
        std::string mac = format_mac(reply->sender_mac);
        if (std::find(answered.begin(), answered.end(), mac) == answered.end())
          answered.push_back(mac);
      }
    }
    return answered;
  }
};

}  // namespace

ArpProber& system_arp_prober() {
  static SystemArpProber prober;
  return prober;
}

}  // namespace netlab
