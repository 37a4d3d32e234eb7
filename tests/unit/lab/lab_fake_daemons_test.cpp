// A lab with a DHCP server, a DHCP client and NAT, brought up and rolled back
// on the fakes alone: the daemons run in the fake kernel's namespaces with
// the pid files they write, the NAT table is the FakeNat's, and a failure
// after all of them (the verify's read of the kernel) stops the daemons and
// removes the table again.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lab_fixture.hpp"
#include "netlab/dhcp.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

const char* kLab = R"(
name: fd
namespaces:
  srv:
    interfaces:
      tap: {addresses: [10.9.0.2/24]}
  cli:
    interfaces:
      eth0: {dhcp: true}
links:
  - [srv:tap, cli:eth0]
dhcp:
  - namespace: srv
    interface: tap
    range: [10.9.0.10, 10.9.0.20]
host:
  nat:
    - {source: 10.9.0.0/24, out: eth0}
)";

std::string arg_after(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  return "";
}

// Only the DHCP exchange is scripted: dhclient gets 10.9.0.10 (its lease file
// and its interface, as its script would do). dnsmasq's pid file, the
// namespaces and the NAT table are the fakes' own behaviour.
struct World : FakeWorld {
  const IpPrefix leased = *IpPrefix::parse("10.9.0.10/24");
  World() {
    processes->on_spawn("dhclient", [this](int, const std::vector<std::string>& argv) {
      std::ofstream(arg_after(argv, "-lf"))
          << "lease {\n  interface \"eth0\";\n  fixed-address 10.9.0.10;\n"
          << "  option subnet-mask 255.255.255.0;\n"
          << "  option dhcp-server-identifier 10.9.0.2;\n}\n";
      REQUIRE(kernel->add_address("cli", "eth0", leased).ok());
    });
    processes->on_run_if(
        [](const std::string& ns, const std::vector<std::string>& argv) {
          return ns == "cli" && !argv.empty() && argv[0] == "ip";
        },
        CommandResult{0, "3: eth0    inet 10.9.0.10/24 brd 10.9.0.255 scope global eth0\n"});
  }
  LabOptions fast() const {
    LabOptions o = options();
    o.lease_timeout = std::chrono::milliseconds(500);
    return o;
  }
  /// The spawned daemons by argv[0], with their namespaces.
  std::vector<std::pair<std::string, std::string>> spawned() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : processes->calls_of("spawn")) out.emplace_back(c.argv[0], c.ns);
    std::sort(out.begin(), out.end());
    return out;
  }
};

}  // namespace

TEST_CASE("a lab's daemons and NAT come up on the fakes and go with down", "[lab][daemons][nat]") {
  World w;
  auto before = w.kernel->snapshot();
  Lab lab = w.load(kLab, w.fast());
  REQUIRE_OK(lab.up());

  CHECK(w.spawned() ==
        std::vector<std::pair<std::string, std::string>>{{"dhclient", "cli"}, {"dnsmasq", "srv"}});
  auto alive = w.processes->alive_pids();
  REQUIRE(alive.size() == 2);
  // dnsmasq wrote its own pid file in the lab's state directory, and it
  // runs in the namespace that is srv now.
  int server = w.processes->calls_of("spawn")[0].argv[0] == "dnsmasq"
                   ? w.processes->calls_of("spawn")[0].pid
                   : w.processes->calls_of("spawn")[1].pid;
  const std::string pid_file = w.processes->pid_file_of(server);
  REQUIRE_FALSE(pid_file.empty());
  CHECK(read_pid_file(pid_file) == server);
  CHECK(w.processes->inspect(server).netns_id == *w.processes->netns_id("srv"));
  auto table = w.nat->table("fd");
  REQUIRE(table);
  REQUIRE(table->rules.size() == 1);
  CHECK(table->rules[0].source == *IpPrefix::parse("10.9.0.0/24"));
  CHECK(table->rules[0].out == "eth0");

  // A second up finds everything as it should be.
  auto again = lab.up();
  REQUIRE_OK(again);
  CHECK(again->plan.empty());
  CHECK(w.processes->alive_pids() == alive);

  REQUIRE_OK(lab.down());
  CHECK(w.processes->alive_pids().empty());
  CHECK_FALSE(std::filesystem::exists(pid_file));
  CHECK(w.nat->labs().empty());
  CHECK(w.kernel->snapshot() == before);
}

TEST_CASE("a failure after the daemons and NAT rolls them back on the fakes",
          "[lab][daemons][nat][rollback]") {
  World w;
  auto before = w.kernel->snapshot();
  Lab lab = w.load(kLab, w.fast());
  std::vector<std::string> applied, undone;
  auto progress = [&](const Progress& p) {
    (p.undo ? undone : applied).push_back(p.action.resource + " " + p.action.object);
  };
  // Every action runs; the verify's read of the kernel (the second observe)
  // then fails, and the rollback undoes every action.
  w.kernel->fail_next("observe", EIO, 1);
  auto up = lab.up(progress);
  REQUIRE_FALSE(up.ok());
  CHECK_THAT(up.error().message, Catch::Contains("observe kernel state"));

  // They had run: both daemons and the NAT table.
  CHECK(w.processes->calls_of("spawn").size() == 2);
  CHECK(w.nat->calls("apply") == 1);
  auto has = [](const std::vector<std::string>& v, const std::string& prefix) {
    return std::any_of(v.begin(), v.end(),
                       [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
  };
  CHECK(has(applied, "nat table"));
  CHECK(has(applied, "dhcp server"));
  CHECK(has(applied, "dhcp client"));
  // And the rollback undid them: no daemon, no pid file, no table.
  CHECK(has(undone, "nat table"));
  CHECK(has(undone, "dhcp server"));
  CHECK(has(undone, "dhcp client"));
  CHECK(w.processes->calls_of("terminate").size() >= 2);
  CHECK(w.processes->alive_pids().empty());
  for (const auto& c : w.processes->calls_of("spawn")) {
    const std::string f = w.processes->pid_file_of(c.pid);
    if (!f.empty()) CHECK_FALSE(std::filesystem::exists(f));
  }
  CHECK(w.nat->labs().empty());
  CHECK(w.nat->calls("remove") >= 1);
  CHECK(w.kernel->snapshot() == before);
  const std::string root = w.options().state_root;
  CHECK_FALSE(std::filesystem::exists(root + "/fd"));
  CHECK(Lab::list(root).empty());
}
