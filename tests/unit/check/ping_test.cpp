// The ping assertion on FakeProcesses: exact argv, output parsing (samples of
// iputils 20221126 output captured on the build machine), expect: fail.
#include "check/ping.hpp"

#include <catch2/catch.hpp>

#include "check_fixture.hpp"
#include "fakes/fake_arp_prober.hpp"
#include "fakes/fake_kernel.hpp"
#include "fakes/fake_processes.hpp"
#include "netlab/check.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// `ping -c 2 -W 1 -i 0.2 -n 127.0.0.1`
const char* kTwoReplies =
    "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n"
    "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.132 ms\n"
    "64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.050 ms\n"
    "\n"
    "--- 127.0.0.1 ping statistics ---\n"
    "2 packets transmitted, 2 received, 0% packet loss, time 208ms\n"
    "rtt min/avg/max/mdev = 0.050/0.091/0.132/0.041 ms\n";

// Peer up but without the address: exit 1.
const char* kNoReply =
    "PING 10.9.9.2 (10.9.9.2) 56(84) bytes of data.\n"
    "\n"
    "--- 10.9.9.2 ping statistics ---\n"
    "2 packets transmitted, 0 received, 100% packet loss, time 210ms\n"
    "\n";

// First replies waited for ARP; "pipe 3" trails the rtt line.
const char* kSlowFirst =
    "PING 10.9.9.2 (10.9.9.2) 56(84) bytes of data.\n"
    "64 bytes from 10.9.9.2: icmp_seq=1 ttl=64 time=801 ms\n"
    "64 bytes from 10.9.9.2: icmp_seq=2 ttl=64 time=595 ms\n"
    "64 bytes from 10.9.9.2: icmp_seq=3 ttl=64 time=391 ms\n"
    "\n"
    "--- 10.9.9.2 ping statistics ---\n"
    "3 packets transmitted, 3 received, 0% packet loss, time 409ms\n"
    "rtt min/avg/max/mdev = 391.448/595.887/800.750/167.097 ms, pipe 3\n";

// A namespace with no route at all: exit 2, nothing else.
const char* kUnreachable = "ping: connect: Network is unreachable\n";

// Neighbour resolution failed: exit 1 with errors.
const char* kHostUnreachable =
    "PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.\n"
    "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n"
    "\n"
    "--- 10.0.0.9 ping statistics ---\n"
    "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n"
    "\n";

const char* kBusybox =
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes\n"
    "64 bytes from 10.0.0.2: seq=0 ttl=64 time=0.059 ms\n"
    "\n"
    "--- 10.0.0.2 ping statistics ---\n"
    "1 packets transmitted, 1 packets received, 0% packet loss\n"
    "round-trip min/avg/max = 0.059/0.059/0.059 ms\n";

struct World {
  Topology topo = demo_topology();
  FakeKernel kernel;
  FakeProcesses procs;
  FakeArpProber arp;
  CheckResult run(const TestCase& tc) {
    topo.tests = {tc};
    CheckContext ctx{topo, kernel, procs, "/nonexistent", &arp};
    auto results = run_checks(ctx, 1);
    REQUIRE(results.size() == 1);
    return results[0];
  }
};

}  // namespace

TEST_CASE("ping output: statistics and rtt") {
  auto two = check::parse_ping_output(kTwoReplies);
  CHECK(two.transmitted == 2);
  CHECK(two.received == 2);
  REQUIRE(two.rtt_avg_ms);
  CHECK(*two.rtt_avg_ms == Approx(0.091));
  CHECK(*two.rtt_min_ms == Approx(0.050));
  CHECK(*two.rtt_max_ms == Approx(0.132));
  CHECK(two.error.empty());

  auto slow = check::parse_ping_output(kSlowFirst);
  CHECK(slow.received == 3);
  CHECK(*slow.rtt_avg_ms == Approx(595.887));

  auto none = check::parse_ping_output(kNoReply);
  CHECK(none.transmitted == 2);
  CHECK(none.received == 0);
  CHECK(!none.rtt_avg_ms);

  auto unreach = check::parse_ping_output(kUnreachable);
  CHECK(unreach.transmitted == -1);
  CHECK(unreach.error == "ping: connect: Network is unreachable");

  auto host = check::parse_ping_output(kHostUnreachable);
  CHECK(host.received == 0);
  CHECK(host.error == "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable");

  auto bb = check::parse_ping_output(kBusybox);
  CHECK(bb.received == 1);
  CHECK(*bb.rtt_avg_ms == Approx(0.059));
}

TEST_CASE("ping argv is exact and runs in the from namespace") {
  CHECK(check::ping_argv(addr("10.20.30.2"), 3) ==
        std::vector<std::string>{"ping", "-c", "3", "-W", "1", "-i", "0.2", "-n", "10.20.30.2"});
  CHECK(check::ping_argv(addr("fd00::1"), 0)[2] == "1");
  CHECK(check::ping_timeout(1).count() >= 1200);  // one probe and its 1 s wait, at least
  CHECK(check::ping_timeout(10).count() > check::ping_timeout(1).count());

  World w;
  w.procs.on_run("ping", {0, kTwoReplies});
  auto r = w.run(ping("red", endpoint_target("dhcp-r", "tap-r"), Expect::Success, 2));
  auto calls = w.procs.calls_of("run");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].ns == "red");
  CHECK(calls[0].argv ==
        std::vector<std::string>{"ping", "-c", "2", "-W", "1", "-i", "0.2", "-n", "10.20.30.2"});
  CHECK(r.passed);
  CHECK(r.name == "ping red -> dhcp-r:tap-r (10.20.30.2)");
  CHECK(r.detail == "rtt 0.091 ms, 2/2 replies (10.20.30.2)");
  CHECK(r.pos.line == 0);

  World h;
  h.procs.on_run("ping", {0, kTwoReplies});
  h.run(ping("host", address_target("10.20.30.2")));
  REQUIRE(h.procs.calls_of("run").size() == 1);
  CHECK(h.procs.calls_of("run")[0].ns.empty());
}

TEST_CASE("ping: a single reply shows the rtt alone") {
  World w;
  w.procs.on_run("ping", {0, kBusybox});
  auto r = w.run(ping("red", address_target("10.0.0.2")));
  CHECK(r.passed);
  CHECK(r.name == "ping red -> 10.0.0.2");
  CHECK(r.detail == "rtt 0.059 ms (10.0.0.2)");
  CHECK(r.expected == "reply from 10.0.0.2");
}

TEST_CASE("a reachability ping re-sends until a deadline; expect fail sends one echo") {
  World w;
  w.procs.on_run("ping", {0, kBusybox});
  w.run(ping("red", address_target("10.0.0.2")));
  REQUIRE(w.procs.calls_of("run").size() == 1);
  CHECK(w.procs.calls_of("run")[0].argv ==
        std::vector<std::string>{"ping", "-c", "1", "-w", "3", "-i", "0.2", "-n", "10.0.0.2"});
  CHECK(check::reachability_ping_timeout().count() > 3000);  // ping's own deadline ends it first

  World f;
  f.procs.on_run("ping", {1, kNoReply});
  auto r = f.run(ping("red", address_target("10.0.0.2"), Expect::Fail));
  CHECK(r.passed);
  REQUIRE(f.procs.calls_of("run").size() == 1);
  CHECK(f.procs.calls_of("run")[0].argv ==
        std::vector<std::string>{"ping", "-c", "1", "-W", "1", "-i", "0.2", "-n", "10.0.0.2"});
}

TEST_CASE("ping without a reply fails, saying what happened") {
  World w;
  w.procs.on_run("ping", {1, kNoReply});
  auto r = w.run(ping("red", address_target("10.9.9.2")));
  CHECK(!r.passed);
  CHECK(r.expected == "reply from 10.9.9.2");
  CHECK(r.actual == "no reply (0/2 replies)");
}

TEST_CASE("expect: fail passes when no reply comes back") {
  World w;
  SECTION("plain loss") {
    w.procs.on_run("ping", {1, kNoReply});
    auto r = w.run(ping("red", endpoint_target("dhcp-b", "tap-b"), Expect::Fail));
    CHECK(r.passed);
    CHECK(r.name == "ping red -> dhcp-b:tap-b (10.20.30.2), expect fail");
    CHECK(r.expected == "no reply from 10.20.30.2");
    CHECK(r.detail == "no reply, as expected (10.20.30.2)");
  }
  SECTION("no route: ping exits 2") {
    w.procs.on_run("ping", {2, kUnreachable});
    auto r = w.run(ping("red", address_target("192.0.2.2"), Expect::Fail));
    CHECK(r.passed);
    CHECK(r.actual == "no reply: ping: connect: Network is unreachable");
  }
  SECTION("host unreachable") {
    w.procs.on_run("ping", {1, kHostUnreachable});
    auto r = w.run(ping("red", address_target("10.0.0.9"), Expect::Fail));
    CHECK(r.passed);
    CHECK(r.actual.find("Destination Host Unreachable") != std::string::npos);
  }
  SECTION("a reply fails it") {
    w.procs.on_run("ping", {0, kTwoReplies});
    auto r = w.run(ping("red", address_target("127.0.0.1"), Expect::Fail));
    CHECK(!r.passed);
    CHECK(r.actual == "2/2 replies, rtt 0.091 ms");
    CHECK(r.detail.find("got a reply") == 0);
  }
}

TEST_CASE("ping that cannot run fails whatever is expected") {
  World w;
  auto expect = GENERATE(Expect::Success, Expect::Fail);
  SECTION("missing namespace") {
    w.procs.remove_namespace("red");
    auto r = w.run(ping("red", address_target("10.0.0.1"), expect));
    CHECK(!r.passed);
    CHECK(r.actual.find("ping could not run in netns red") == 0);
  }
  SECTION("ping not installed / killed") {
    w.procs.on_run("ping", {127, ""});
    auto r = w.run(ping("red", address_target("10.0.0.1"), expect));
    CHECK(!r.passed);
    CHECK(r.actual == "ping exited with 127");
  }
  SECTION("timeout") {
    w.procs.on_run_if(
        [](const std::string&, const std::vector<std::string>&) { return true; },
        make_error(ErrorKind::Timeout, "run 'ping' in netns red: no exit after 4200 ms"));
    auto r = w.run(ping("red", address_target("10.0.0.1"), expect));
    CHECK(!r.passed);
    CHECK(r.actual.find("no exit after") != std::string::npos);
  }
}

TEST_CASE("an unresolvable ping target is a failed result, and nothing runs") {
  World w;
  w.kernel.seed_namespace("blue");
  auto r = w.run(ping("red", endpoint_target("blue", "eth0-b"), Expect::Fail));
  CHECK(!r.passed);
  CHECK(r.name == "ping red -> blue:eth0-b, expect fail");
  CHECK(r.actual == "blue:eth0-b does not exist in netns blue (is the lab up?)");
  CHECK(w.procs.calls_of("run").empty());
}

namespace {

/// Demo 03 after both clients leased `red_addr` / `blue_addr` in their VLANs.
struct LeasedWorld : World {
  LeasedWorld(const char* red_addr, const char* blue_addr) {
    lease("red", "eth0-r", red_addr, "02:00:00:00:00:0a");
    lease("blue", "eth0-b", blue_addr, "02:00:00:00:00:0b");
  }
  void lease(const std::string& ns, const std::string& ifname, const char* address,
             const std::string& mac) {
    FakeLink l;
    l.name = ifname;
    l.up = true;
    l.mac = mac;
    l.addresses.push_back(prefix(address));
    kernel.seed_link(ns, l);
  }
};

}  // namespace

TEST_CASE("distinct addresses: ping decides, ARP is not asked") {
  LeasedWorld w("10.20.30.59/24", "10.20.30.60/24");
  w.procs.on_run("ping", {1, kNoReply});
  auto r = w.run(ping("red", endpoint_target("blue", "eth0-b"), Expect::Fail));
  CHECK(r.passed);
  CHECK(r.name == "ping red -> blue:eth0-b (10.20.30.60), expect fail");
  CHECK(w.procs.calls_of("run").size() == 1);
  CHECK(w.arp.calls().empty());
}

TEST_CASE("the target's address is also the source's own: ARP decides, not ping") {
  // Both VLANs' dnsmasq hashed their client's MAC to the same address.
  LeasedWorld w("10.20.30.59/24", "10.20.30.59/24");
  auto shared = addr("10.20.30.59");
  SECTION("nobody answers on red's link: isolated, expect fail passes") {
    auto r = w.run(ping("red", endpoint_target("blue", "eth0-b"), Expect::Fail, 2));
    CHECK(r.passed);
    CHECK(r.actual == "no ARP reply from blue:eth0-b (02:00:00:00:00:0b)");
    CHECK(r.detail ==
          "no reply, as expected (10.20.30.59 is also red's own address (eth0-r): asked with ARP "
          "instead of ping)");
    CHECK(w.procs.calls_of("run").empty());  // no ping: red would answer it itself
    auto calls = w.arp.calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].ns == "red");
    CHECK(calls[0].ifname == "eth0-r");
    CHECK(calls[0].target == shared);
    CHECK(calls[0].count == 2);
  }
  SECTION("blue's MAC answers: reached, expect fail fails") {
    w.arp.answer("red", "eth0-r", shared, {"02:00:00:00:00:0b"});
    auto r = w.run(ping("red", endpoint_target("blue", "eth0-b"), Expect::Fail));
    CHECK(!r.passed);
    CHECK(r.actual == "ARP reply from blue:eth0-b (02:00:00:00:00:0b) on eth0-r");
    CHECK(r.detail.find("got a reply: ARP reply from blue:eth0-b") == 0);
  }
  SECTION("blue's MAC answers: reached, expect success passes") {
    w.arp.answer("red", "eth0-r", shared, {"02:00:00:00:00:0b"});
    auto r = w.run(ping("red", endpoint_target("blue", "eth0-b")));
    CHECK(r.passed);
    CHECK(r.expected == "reply from 10.20.30.59");
  }
  SECTION("only some other MAC answers: blue is not reached") {
    w.arp.answer("red", "eth0-r", shared, {"02:00:00:00:00:99"});
    auto r = w.run(ping("red", endpoint_target("blue", "eth0-b")));
    CHECK(!r.passed);
    CHECK(r.actual ==
          "no ARP reply from blue:eth0-b (02:00:00:00:00:0b), only from 02:00:00:00:00:99");
  }
  SECTION("the probe cannot run: a failure whatever is expected") {
    auto expect = GENERATE(Expect::Success, Expect::Fail);
    w.arp.fail(
        "red", "eth0-r",
        make_error(ErrorKind::Process, "ARP probe for 10.20.30.59 on eth0-r in netns red: bind"));
    auto r = w.run(ping("red", endpoint_target("blue", "eth0-b"), expect));
    CHECK(!r.passed);
    CHECK(r.actual ==
          "10.20.30.59 is also red's own address (eth0-r); ARP probe for 10.20.30.59 on eth0-r in "
          "netns red: bind");
  }
}

TEST_CASE("a shared IPv6 address cannot be told apart: a failure that says so") {
  LeasedWorld w("10.20.30.59/24", "10.20.30.60/24");
  w.lease("red", "v6-r", "fd00::7/64", "02:00:00:00:01:0a");
  w.lease("blue", "v6-b", "fd00::7/64", "02:00:00:00:01:0b");
  auto expect = GENERATE(Expect::Success, Expect::Fail);
  auto r = w.run(ping("red", endpoint_target("blue", "v6-b"), expect));
  CHECK(!r.passed);
  CHECK(r.actual.find(
            "fd00::7 is also red's own address (v6-r), so a check from red would be answered "
            "inside red") == 0);
  CHECK(w.procs.calls_of("run").empty());
  CHECK(w.arp.calls().empty());
}

TEST_CASE("tcp to an address the source holds too: ARP decides what can be said") {
  // Listening in "blue" would fail here (no such namespace on this machine):
  // these results come from the ARP answer alone, before any socket.
  LeasedWorld w("10.20.30.59/24", "10.20.30.59/24");
  auto shared = addr("10.20.30.59");
  SECTION("unreachable at layer 2: expect fail passes") {
    auto r = w.run(tcp("red", endpoint_target("blue", "eth0-b"), 8080, Expect::Fail));
    CHECK(r.passed);
    CHECK(r.detail.find("unreachable, as expected: no ARP reply from blue:eth0-b") == 0);
    CHECK(w.arp.calls().size() == 1);
  }
  SECTION("unreachable at layer 2: expect success fails") {
    auto r = w.run(tcp("red", endpoint_target("blue", "eth0-b"), 8080));
    CHECK(!r.passed);
    CHECK(r.actual.find("no ARP reply from blue:eth0-b (02:00:00:00:00:0b) (10.20.30.59 is also "
                        "red's own address (eth0-r), so a connection would stay inside red") == 0);
  }
  SECTION("reachable at layer 2: no verdict either way") {
    w.arp.answer("red", "eth0-r", shared, {"02:00:00:00:00:0b"});
    auto expect = GENERATE(Expect::Success, Expect::Fail);
    auto r = w.run(tcp("red", endpoint_target("blue", "eth0-b"), 8080, expect));
    CHECK(!r.passed);
    CHECK(r.actual.find("ARP reply from blue:eth0-b") == 0);
    CHECK(r.actual.find(": cannot test TCP to it from red") != std::string::npos);
  }
}
