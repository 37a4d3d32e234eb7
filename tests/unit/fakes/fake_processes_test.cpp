// The FakeProcesses on a FakeKernel passes the processes contract, and its
// fake-only features work.
#include "fakes/fake_processes.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "fakes/fake_kernel.hpp"
#include "support/processes_contract.hpp"

using namespace netlab;
using namespace netlab::testing;
using namespace std::chrono_literals;

namespace {

struct FakeProcessesWorld final : ProcessesWorld {
  FakeKernel fake_kernel;
  FakeProcesses fake{fake_kernel};
  std::filesystem::path scratch;

  FakeProcessesWorld() {
    static int n = 0;
    scratch = std::filesystem::temp_directory_path() /
              ("netlab-fakeproc-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(scratch);
  }
  ~FakeProcessesWorld() override {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  }
  Processes& processes() override { return fake; }
  Kernel& kernel() override { return fake_kernel; }
  std::string dir() override { return scratch; }
};

}  // namespace

TEST_CASE("FakeProcesses passes the processes contract", "[fake_processes][contract]") {
  FakeProcessesWorld w;
  SECTION("spawn in a namespace") { processes_contract_spawn_in_namespace(w, "ct"); }
  SECTION("missing namespace") { processes_contract_missing_namespace(w, "ct"); }
  SECTION("namespace deleted under a process") {
    processes_contract_namespace_deleted_under_process(w, "ct");
  }
  SECTION("a daemon's pid file") { processes_contract_daemon_pid_file(w, "ct"); }
  SECTION("a service's options") { processes_contract_spawn_with_options(w, "ct"); }
  CHECK(w.fake.alive_pids().empty());
  CHECK(w.fake_kernel.snapshot() == FakeKernel().snapshot());
}

TEST_CASE("FakeProcesses without a kernel: every namespace exists unless removed",
          "[fake_processes]") {
  FakeProcesses p;
  CHECK(p.netns_id("anything").ok());
  CHECK(p.run("anything", {"true"}, 1s).ok());
  p.remove_namespace("anything");
  auto e = p.netns_id("anything");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().sys_errno == ENOENT);
  p.set_netns_id("anything", "net:[42]");
  CHECK(*p.netns_id("anything") == "net:[42]");
}

TEST_CASE("FakeProcesses: a spawn hook that ends the daemon keeps its pid file unwritten",
          "[fake_processes]") {
  FakeKernel k;
  FakeProcesses p(k);
  REQUIRE(k.create_namespace("srv").ok());
  auto dir =
      std::filesystem::temp_directory_path() / ("netlab-fakeproc-hook-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string pid_file = dir / "d.pid";
  p.on_spawn("dnsmasq", [&](int pid, const std::vector<std::string>&) { p.set_alive(pid, false); });
  auto pid = p.spawn("srv", {"dnsmasq", "--pid-file=" + pid_file}, dir / "d.log");
  REQUIRE(pid.ok());
  CHECK_FALSE(p.inspect(*pid).alive);
  CHECK_FALSE(std::filesystem::exists(pid_file));
  CHECK(p.pid_file_of(*pid).empty());
  std::filesystem::remove_all(dir);
}
