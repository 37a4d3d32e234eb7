#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fakes/fake_processes.hpp"
#include "netlab/dhcp.hpp"
#include "support/temp_dir.hpp"

using namespace netlab;
using netlab::testing::FakeProcesses;

namespace {

/// A temp directory removed at scope exit.
struct TempDir : netlab::testing::TempDir {
  TempDir() : netlab::testing::TempDir("svc") {}
};

const std::vector<std::string> kArgv{"dnsmasq", "--conf-file=/x.conf"};

}  // namespace

TEST_CASE("pid files") {
  TempDir t;
  std::string pf = t.path + "/d.pid";
  CHECK(!read_pid_file(pf));
  REQUIRE(write_pid_file(pf, 4242).ok());
  CHECK(read_pid_file(pf) == 4242);
  std::ofstream(pf) << "garbage\n";
  CHECK(!read_pid_file(pf));
  std::ofstream(pf) << "1\n";
  CHECK(!read_pid_file(pf));  // never init
}

TEST_CASE("check_daemon: only alive + same namespace + same cmdline is ours") {
  TempDir t;
  std::string pf = t.path + "/d.pid";
  FakeProcesses p;
  SECTION("no pid file") {
    auto c = check_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(!c.ours);
    CHECK(c.reason.find("no readable pid file") != std::string::npos);
  }
  SECTION("ours") {
    int pid = p.add_process("dhcp-r", kArgv);
    REQUIRE(write_pid_file(pf, pid).ok());
    auto c = check_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(c.ours);
    CHECK(c.pid == pid);
  }
  SECTION("dead") {
    int pid = p.add_process("dhcp-r", kArgv, false);
    REQUIRE(write_pid_file(pf, pid).ok());
    auto c = check_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(!c.ours);
    CHECK(c.reason.find("not running") != std::string::npos);
  }
  SECTION("other namespace") {
    int pid = p.add_process("dhcp-b", kArgv);
    REQUIRE(write_pid_file(pf, pid).ok());
    auto c = check_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(!c.ours);
    CHECK(c.reason.find("runs in") != std::string::npos);
  }
  SECTION("reused pid: other program") {
    int pid = p.add_process("dhcp-r", {"sleep", "100"});
    REQUIRE(write_pid_file(pf, pid).ok());
    auto c = check_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(!c.ours);
    CHECK(c.reason.find("different command line: sleep 100") != std::string::npos);
  }
  SECTION("namespace name gone: matched by cmdline, never in the root namespace") {
    int pid = p.add_process("dhcp-r", kArgv);
    REQUIRE(write_pid_file(pf, pid).ok());
    (void)p.netns_id("dhcp-r");  // the process keeps its (now unnamed) namespace
    p.remove_namespace("dhcp-r");
    auto c = check_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(c.ours);
    CHECK(c.reason.find("no longer named") != std::string::npos);
    int root_pid = p.add_process("", kArgv);
    REQUIRE(write_pid_file(pf, root_pid).ok());
    CHECK(!check_daemon(p, pf, "dhcp-r", kArgv).ours);
    int other = p.add_process("dhcp-r", {"sleep"});
    REQUIRE(write_pid_file(pf, other).ok());
    CHECK(!check_daemon(p, pf, "dhcp-r", kArgv).ours);
  }
}

TEST_CASE("stop_daemon kills only its own process and always clears the pid file") {
  TempDir t;
  std::string pf = t.path + "/d.pid";
  FakeProcesses p;
  SECTION("ours: terminated") {
    int pid = p.add_process("dhcp-r", kArgv);
    REQUIRE(write_pid_file(pf, pid).ok());
    REQUIRE(stop_daemon(p, pf, "dhcp-r", kArgv).ok());
    CHECK(!p.inspect(pid).alive);
    CHECK(p.calls_of("terminate").size() == 1);
    CHECK(access(pf.c_str(), F_OK) != 0);
  }
  SECTION("stranger with our pid: left alone") {
    int pid = p.add_process("dhcp-r", {"bash"});
    REQUIRE(write_pid_file(pf, pid).ok());
    REQUIRE(stop_daemon(p, pf, "dhcp-r", kArgv).ok());
    CHECK(p.inspect(pid).alive);
    CHECK(p.calls_of("terminate").empty());
    CHECK(access(pf.c_str(), F_OK) != 0);
  }
  SECTION("nothing running") {
    CHECK(stop_daemon(p, pf, "dhcp-r", kArgv).ok());
    CHECK(p.calls_of("terminate").empty());
  }
  SECTION("unkillable: error, pid file kept") {
    int pid = p.add_process("dhcp-r", kArgv);
    p.make_unkillable(pid);
    REQUIRE(write_pid_file(pf, pid).ok());
    auto s = stop_daemon(p, pf, "dhcp-r", kArgv);
    CHECK(!s.ok());
    CHECK(access(pf.c_str(), F_OK) == 0);
  }
}

TEST_CASE("FakeProcesses: records argv, scripts outcomes, fake pids") {
  FakeProcesses p;
  p.on_run("ip", {0, "ok"});
  p.on_run_if(
      [](const std::string& ns, const auto& argv) { return ns == "red" && argv.size() > 1; },
      Result<CommandResult>(CommandResult{3, "scripted"}));
  auto a = p.run("", {"ip", "link"}, std::chrono::milliseconds(10));
  auto b = p.run("red", {"ip", "link"}, std::chrono::milliseconds(10));
  auto c = p.run("", {"true"}, std::chrono::milliseconds(10));
  CHECK(a->output == "ok");
  CHECK(b->exit_code == 3);
  CHECK(c->exit_code == 0);
  REQUIRE(p.calls.size() == 3);
  CHECK(p.calls[1].ns == "red");
  CHECK(p.calls[1].argv == std::vector<std::string>{"ip", "link"});

  TempDir dir;  // the fake opens the log file, as the real seam does
  const std::string log = dir.path + "/x.log";
  auto pid = p.spawn("red", {"dnsmasq", "-k"}, log);
  REQUIRE(pid.ok());
  auto info = p.inspect(*pid);
  CHECK(info.alive);
  CHECK(info.cmdline == std::vector<std::string>{"dnsmasq", "-k"});
  CHECK(info.netns_id == p.netns_id("red").value());
  CHECK(p.netns_id("red").value() != p.netns_id("blue").value());
  CHECK(p.netns_id("").value() == "net:[4026531840]");
  CHECK(p.calls_of("spawn").at(0).log_file == log);
  REQUIRE(p.terminate(*pid, std::chrono::milliseconds(10)).ok());
  CHECK(!p.inspect(*pid).alive);
  CHECK(p.alive_pids().empty());

  p.fail_spawn("dhclient", make_error(ErrorKind::Process, "scripted failure"));
  CHECK(!p.spawn("red", {"dhclient"}, dir.path + "/y.log").ok());
  p.remove_namespace("gone");
  CHECK(!p.run("gone", {"ip"}, std::chrono::milliseconds(10)).ok());
  CHECK(!p.netns_id("gone").ok());
  CHECK(!p.exec_replace("red", {"sh"}).sys_errno);
}
