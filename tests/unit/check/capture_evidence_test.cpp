// Which interfaces `netlab test --capture` watches for an assertion, and
// what the kept files are called.
#include "check/capture_evidence.hpp"

#include <pcap/pcap.h>

#include <catch2/catch.hpp>

#include "check_fixture.hpp"

using namespace netlab;
using namespace netlab::testing;
using check::CapturePoint;

namespace {

std::vector<CapturePoint> points_of(const Topology& topo, const TestCase& tc) {
  DesiredState desired = desired_network(topo);
  return check::capture_points(tc, {topo, desired});
}

/// pcap's own verdict on a filter for Ethernet frames: "" or its error.
std::string compile_error(const std::string& filter) {
  pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
  bpf_program prog{};
  std::string err;
  if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    err = pcap_geterr(p);
  else
    pcap_freecode(&prog);
  pcap_close(p);
  return err;
}

}  // namespace

TEST_CASE("a ping is captured where it leaves and where it arrives") {
  Topology t = demo_topology();
  CHECK(points_of(t, ping("red", endpoint_target("dhcp-r", "tap-r"))) ==
        std::vector<CapturePoint>{{"red", "eth0-r"}, {"dhcp-r", "tap-r"}});
  // tcp the same; a literal address: the lab interfaces that hold it.
  CHECK(points_of(t, tcp("blue", address_target("192.168.7.1"), 80)) ==
        std::vector<CapturePoint>{{"blue", "eth0-b"}, {"dual", "eth0"}});
  // Two namespaces hold 10.20.30.2: both are watched.
  CHECK(points_of(t, ping("red", address_target("10.20.30.2"))) ==
        std::vector<CapturePoint>{{"red", "eth0-r"}, {"dhcp-r", "tap-r"}, {"dhcp-b", "tap-b"}});
}

TEST_CASE("captures stay in lab namespaces, without lo and duplicates") {
  Topology t = demo_topology();
  // From the host: only the target side (the host's interfaces carry the host's traffic).
  CHECK(points_of(t, ping("host", endpoint_target("dual", "eth0"))) ==
        std::vector<CapturePoint>{{"dual", "eth0"}});
  // To a bridge's own address (root namespace): only the source.
  CHECK(points_of(t, ping("red", endpoint_target("br0", "br0"))) ==
        std::vector<CapturePoint>{{"red", "eth0-r"}});
  // An address outside the lab: the source.
  CHECK(points_of(t, ping("blue", address_target("8.8.8.8"))) ==
        std::vector<CapturePoint>{{"blue", "eth0-b"}});
  // To itself: once.
  CHECK(points_of(t, ping("dual", endpoint_target("dual", "eth0"))) ==
        std::vector<CapturePoint>{{"dual", "eth0"}});
  // lease reads files: nothing to capture.
  CHECK(points_of(t, lease("red", "eth0-r", "dhcp-r")).empty());
}

TEST_CASE("kept captures are named after their assertion and interface, in file order") {
  CHECK(
      check::evidence_file_name(0, 3, "ping red -> dhcp-r:tap-r (10.20.30.2)", {"red", "eth0-r"}) ==
      "01-ping_red_to_dhcp-r_tap-r_10.20.30.2.red.eth0-r.pcap");
  CHECK(check::evidence_file_name(11, 12, "tcp a -> b:80", {"t1-b", "e0"}) ==
        "12-tcp_a_to_b_80.t1-b.e0.pcap");
  // Wide enough for every place in the file, so the names sort in file order.
  CHECK(check::evidence_file_name(6, 150, "x", {"a", "b"}) == "007-x.a.b.pcap");
}

TEST_CASE("an assertion's filter keeps its own packets and the reasons it failed") {
  Topology t = demo_topology();
  auto ping4 = check::capture_filter(ping("red", address_target("10.0.0.9")), addr("10.0.0.9"));
  CHECK(ping4 ==
        "(host 10.0.0.9 and icmp) or arp or (icmp and icmp[icmptype] != icmp-echo and "
        "icmp[icmptype] != icmp-echoreply)");
  auto tcp4 = check::capture_filter(tcp("red", address_target("10.0.0.9"), 8080), addr("10.0.0.9"));
  CHECK(tcp4.rfind("(host 10.0.0.9 and tcp port 8080) or arp or (icmp and ", 0) == 0);
  auto ping6 = check::capture_filter(ping("dual", address_target("fd00::2")), addr("fd00::2"));
  CHECK(ping6 ==
        "(host fd00::2 and icmp6) or (icmp6 and icmp6[icmp6type] != icmp6-echo and "
        "icmp6[icmp6type] != icmp6-echoreply)");
  auto tcp6 = check::capture_filter(tcp("dual", address_target("fd00::2"), 22), addr("fd00::2"));
  CHECK(tcp6.rfind("(host fd00::2 and tcp port 22) or (icmp6 and ", 0) == 0);
  // libpcap compiles every one of them.
  for (const auto& f : {ping4, tcp4, ping6, tcp6}) {
    INFO(f);
    CHECK(compile_error(f).empty());
  }
  CHECK(check::capture_filter(lease("red", "eth0-r", "dhcp-r"), addr("10.0.0.9")).empty());

  // The plan: a static target resolves from the topology alone; a DHCP one
  // that cannot be resolved (nothing observed) is captured unfiltered.
  DesiredState desired = desired_network(t);
  check::Observed nothing;
  nothing.error = "not observed";
  auto plan =
      check::capture_plan(ping("red", endpoint_target("dhcp-r", "tap-r")), {t, desired}, nothing);
  CHECK(plan.points.size() == 2);
  CHECK(plan.filter.rfind("(host 10.20.30.2 and icmp) or arp", 0) == 0);
  auto unresolved =
      check::capture_plan(ping("dhcp-r", endpoint_target("red", "eth0-r")), {t, desired}, nothing);
  CHECK(unresolved.points.size() == 2);
  CHECK(unresolved.filter.empty());
}
