#include "support/veth_pair.hpp"

#include <catch2/catch.hpp>

namespace netlab::testing {

void must(const std::vector<std::string>& argv) {
  auto out = run(argv);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  INFO(cmd);
  REQUIRE(out.exit_code == 0);
}

VethPair::VethPair(const std::string& net, const std::string& tag)
    : a(unique_name(tag + "a")),
      b(unique_name(tag + "b")),
      ifa(unique_name(tag + "x")),
      ifb(unique_name(tag + "y")),
      addr_a(net + ".1"),
      addr_b(net + ".2"),
      tmp("pair-" + tag),
      guard([this] {
        remove_namespace(a);
        remove_namespace(b);
      }) {
  must({"ip", "netns", "add", a});
  must({"ip", "netns", "add", b});
  must({"ip", "link", "add", ifa, "netns", a, "type", "veth", "peer", "name", ifb, "netns", b});
  must({"ip", "-n", a, "addr", "add", addr_a + "/24", "dev", ifa});
  must({"ip", "-n", b, "addr", "add", addr_b + "/24", "dev", ifb});
  for (const auto& [ns, ifname] : {std::pair{a, ifa}, std::pair{b, ifb}}) {
    must({"ip", "-n", ns, "link", "set", "lo", "up"});
    must({"ip", "-n", ns, "link", "set", ifname, "up"});
  }
}

}  // namespace netlab::testing
