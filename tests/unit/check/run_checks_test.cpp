// run_checks: file order under parallelism, observation only when needed,
// and the tcp assertion in this process's own namespace (real sockets on
// loopback, no privileges needed).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "check_fixture.hpp"
#include "fakes/fake_kernel.hpp"
#include "fakes/fake_processes.hpp"
#include "netlab/check.hpp"

using namespace netlab;
using namespace netlab::testing;
using namespace std::chrono_literals;

namespace {

/// Answers ping for 10.0.0.N after (10 - N) * 20 ms, so later assertions
/// finish first; thread-safe; counts how many ran at once.
class SlowPing final : public Processes {
 public:
  std::atomic<int> running{0}, peak{0};
  Result<CommandResult> run(const std::string&, const std::vector<std::string>& argv,
                            std::chrono::milliseconds) override {
    int now = ++running;
    for (int p = peak; now > p && !peak.compare_exchange_weak(p, now);) {
    }
    int n = std::stoi(argv.back().substr(argv.back().rfind('.') + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds((10 - n) * 20));
    --running;
    if (n % 2) return CommandResult{1, "1 packets transmitted, 0 received, 100% packet loss\n"};
    return CommandResult{0,
                         "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"
                         "rtt min/avg/max/mdev = 0.1/0.1/0.1/0.0 ms\n"};
  }
  Result<int> spawn(const std::string&, const std::vector<std::string>&,
                    const std::string&) override {
    return make_error(ErrorKind::Bug, "unused");
  }
  Result<int> spawn_with(const std::string&, const std::vector<std::string>&,
                         const SpawnOptions&) override {
    return make_error(ErrorKind::Bug, "unused");
  }
  Result<bool> port_bound(int, bool, int) override { return make_error(ErrorKind::Bug, "unused"); }
  Error exec_replace(const std::string&, const std::vector<std::string>&) override {
    return make_error(ErrorKind::Bug, "unused");
  }
  ProcessInfo inspect(int) override { return {}; }
  Result<std::string> netns_id(const std::string&) override { return std::string("net:[1]"); }
  Status terminate(int, std::chrono::milliseconds) override { return {}; }
  Result<std::map<std::string, std::vector<int>>> processes_by_netns() override {
    return std::map<std::string, std::vector<int>>{};
  }
};

/// A TCP port that was free a moment ago on 127.0.0.1.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

}  // namespace

TEST_CASE("results come back in file order whatever finishes first") {
  Topology topo = demo_topology();
  for (int n = 1; n <= 8; ++n) {
    std::string a = "10.0.0." + std::to_string(n);
    topo.tests.push_back(ping("red", address_target(a.c_str()), Expect::Success, 1, n));
  }
  FakeKernel kernel;
  SlowPing procs;
  CheckContext ctx{topo, kernel, procs, "/nonexistent"};
  auto results = run_checks(ctx, 4);
  REQUIRE(results.size() == 8);
  for (int n = 1; n <= 8; ++n) {
    const auto& r = results[n - 1];
    CHECK(r.name == "ping red -> 10.0.0." + std::to_string(n));
    CHECK(r.pos.line == n);
    CHECK(r.passed == (n % 2 == 0));
    CHECK(r.seconds > 0);
  }
  CHECK(procs.peak > 1);
  CHECK(procs.peak <= 4);

  SlowPing serial;
  CheckContext one{topo, kernel, serial, "/nonexistent"};
  CHECK(run_checks(one, 0).size() == 8);
  CHECK(serial.peak == 1);
}

TEST_CASE("literal-address pings do not observe the kernel; pings to NS:IF do") {
  Topology topo = demo_topology();
  topo.tests = {ping("red", address_target("10.20.30.2")), ping("red", address_target("10.0.0.1"))};
  FakeKernel kernel;
  FakeProcesses procs;
  CheckContext ctx{topo, kernel, procs, "/nonexistent"};
  run_checks(ctx, 1);
  CHECK(kernel.calls("observe") == 0);
  // Even a static target: whether red holds 10.20.30.2 too is only known live.
  topo.tests.push_back(ping("red", endpoint_target("dhcp-r", "tap-r")));
  run_checks(ctx, 1);
  CHECK(kernel.calls("observe") == 1);
  CHECK(kernel.mutations() == 0);
}

TEST_CASE("no tests, no results") {
  Topology topo = demo_topology();
  FakeKernel kernel;
  FakeProcesses procs;
  CHECK(run_checks({topo, kernel, procs, "/x"}, 4).empty());
}

TEST_CASE("tcp in the root namespace: the check's own listener accepts") {
  // The fake root namespace holds 127.0.0.1 on lo, so the listener goes there
  // (this process's namespace: no setns).
  Topology topo = demo_topology();
  FakeKernel kernel;
  FakeProcesses procs;
  CheckContext ctx{topo, kernel, procs, "/x"};
  int port = free_port();
  std::string p = std::to_string(port);

  SECTION("expected to connect") {
    topo.tests = {tcp("host", address_target("127.0.0.1"), port)};
    auto r = run_checks(ctx, 1).at(0);
    CHECK(r.passed);
    CHECK(r.name == "tcp host -> 127.0.0.1 port " + p);
    CHECK(r.expected == "connection to 127.0.0.1:" + p + " accepted");
    CHECK(r.actual.find("connected in ") == 0);
    CHECK(r.actual.find("accepted by the listener in the root namespace") != std::string::npos);
    CHECK(r.pos.line == 30);
  }
  SECTION("expect fail, but it connects") {
    topo.tests = {tcp("host", address_target("127.0.0.1"), port, Expect::Fail)};
    auto r = run_checks(ctx, 1).at(0);
    CHECK(!r.passed);
    CHECK(r.name == "tcp host -> 127.0.0.1 port " + p + ", expect fail");
    CHECK(r.detail.find("connected, but expected to fail") == 0);
  }
  SECTION("expect fail: nothing of the lab holds the address, nothing listens") {
    topo.tests = {tcp("host", address_target("127.0.0.2"), port, Expect::Fail)};
    auto r = run_checks(ctx, 1).at(0);
    CHECK(r.passed);
    CHECK(r.actual.find("connect: Connection refused (ECONNREFUSED)") == 0);
    CHECK(r.actual.find("no listener started") != std::string::npos);
    CHECK(r.detail.find("connection failed, as expected") == 0);
  }
  SECTION("the port is taken: the check cannot listen and fails") {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    topo.tests = {tcp("host", address_target("127.0.0.1"), port, Expect::Fail)};
    auto r = run_checks(ctx, 1).at(0);
    ::close(fd);
    CHECK(!r.passed);
    CHECK(r.actual == "cannot listen on 127.0.0.1:" + p +
                          " in the root namespace: Address already in use (EADDRINUSE)");
  }
  SECTION("two tcp assertions on one port take turns") {
    topo.tests = {tcp("host", address_target("127.0.0.1"), port),
                  tcp("host", address_target("127.0.0.1"), port)};
    auto rs = run_checks(ctx, 2);
    CHECK(rs.at(0).passed);
    CHECK(rs.at(1).passed);
  }
}
