// libFuzzer target: the rtnetlink dump replies observe parses by hand
// (RTM_NEWLINK / RTM_NEWADDR / RTM_NEWROUTE attributes). The input is the
// bytes of one recv() of a dump: the messages are walked as libnl's receive
// loop walks them (nlmsg_ok / nlmsg_next), and each is handed to every parser.
#include <netlink/msg.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernel/observe_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy at the alignment the kernel's buffer has (NLMSG_ALIGNTO = 4).
  std::vector<std::uint32_t> buf((size + 3) / 4);
  if (size > 0) std::memcpy(buf.data(), data, size);
  auto* msg = reinterpret_cast<nlmsghdr*>(buf.data());
  int left = static_cast<int>(size);
  for (; nlmsg_ok(msg, left); msg = nlmsg_next(msg, &left)) {
    (void)netlab::nl::parse_link(*msg);
    (void)netlab::nl::parse_address(*msg);
    (void)netlab::nl::parse_route(*msg);
  }
  return 0;
}
