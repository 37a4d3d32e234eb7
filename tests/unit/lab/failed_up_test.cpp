// A failed up on the fakes: each kind of step fails once after its partial
// effect (a record written, a daemon started, some link attributes set), and
// the machine, the processes and the state root end exactly as before. And
// readiness: every up, a no-op included, returns only with every lease held;
// and a lease outside its server's range is drift.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "lab_fixture.hpp"
#include "netlab/dhcp.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// A DHCP server in `srv` and its client in `cli` on one veth pair, with an
// MTU (a link change of several attributes) on the client's side.
const char* kLab = R"(
name: dh
namespaces:
  srv:
    interfaces:
      tap: {addresses: [10.9.0.2/24]}
  cli:
    interfaces:
      eth0: {dhcp: true, mtu: 1400}
links:
  - [srv:tap, cli:eth0]
dhcp:
  - namespace: srv
    interface: tap
    range: [10.9.0.10, 10.9.0.20]
)";

std::string arg_after(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  return "";
}

std::string option_value(const std::vector<std::string>& argv, const std::string& prefix) {
  for (const auto& a : argv)
    if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
  return "";
}

// The fakes behave like dnsmasq (writes its pid file when ready) and
// dhclient (a lease in its lease file and on its interface), unless a test
// says otherwise.
struct World : FakeWorld {
  bool leases = true;
  const IpPrefix leased = *IpPrefix::parse("10.9.0.10/24");

  World() {
    processes->on_spawn("dnsmasq", [this](int pid, const std::vector<std::string>& argv) {
      REQUIRE(write_pid_file(option_value(argv, "--pid-file="), pid).ok());
      server_leases = option_value(argv, "--dhcp-leasefile=");
    });
    processes->on_spawn("dhclient", [this](int, const std::vector<std::string>& argv) {
      if (leases) give_lease(arg_after(argv, "-lf"));
    });
    // `ip -4 -o addr show dev eth0` in cli, as wait_for_lease asks it.
    processes->on_run_if(
        [this](const std::string& ns, const std::vector<std::string>& argv) {
          return ns == "cli" && argv.size() > 1 && argv[0] == "ip";
        },
        CommandResult{0, ""});
    processes->on_run_if(
        [this](const std::string& ns, const std::vector<std::string>& argv) {
          return ns == "cli" && argv.size() > 1 && argv[0] == "ip" && holds_lease();
        },
        CommandResult{0, "3: eth0    inet 10.9.0.10/24 brd 10.9.0.255 scope global eth0\n"});
  }

  std::string server_leases;  ///< the server's lease file

  void give_lease(const std::string& lease_file) {
    // The server's record first (dnsmasq writes it before it answers).
    std::ofstream(server_leases, std::ios::app)
        << "0 " << kernel->snapshot().namespaces.at("cli").links.at("eth0").mac
        << " 10.9.0.10 * *\n";
    std::ofstream(lease_file) << "lease {\n  interface \"eth0\";\n  fixed-address 10.9.0.10;\n"
                              << "  option subnet-mask 255.255.255.0;\n"
                              << "  option dhcp-server-identifier 10.9.0.2;\n}\n";
    REQUIRE(kernel->add_address("cli", "eth0", leased).ok());
  }

  bool holds_lease() const {
    auto snap = kernel->snapshot();
    auto ns = snap.namespaces.find("cli");
    if (ns == snap.namespaces.end() || !ns->second.links.count("eth0")) return false;
    const auto& a = ns->second.links.at("eth0").addresses;
    return std::find(a.begin(), a.end(), leased) != a.end();
  }

  LabOptions fast() const {
    LabOptions o = options();
    o.lease_timeout = std::chrono::milliseconds(300);
    return o;
  }

  // Nothing of lab `dh` left: no namespace, link or process, no record.
  void check_nothing_left(const FakeKernelSnapshot& before) const {
    CHECK(kernel->snapshot() == before);
    CHECK(processes->alive_pids().empty());
    const std::string root = options().state_root;
    CHECK_FALSE(std::filesystem::exists(root + "/dh"));
    CHECK_FALSE(std::filesystem::exists(root + "/dh.lock"));
    CHECK(Lab::list(root).empty());
  }
};

std::string rollback_lines(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

}  // namespace

TEST_CASE("the lab on the fakes comes up with its lease", "[lab][rollback]") {
  World w;
  Lab lab = w.load(kLab, w.fast());
  REQUIRE_OK(lab.up());
  CHECK(w.holds_lease());
  CHECK(w.processes->alive_pids().size() == 2);
  REQUIRE_OK(lab.down());
  CHECK(w.processes->alive_pids().empty());
}

TEST_CASE("a failed up undoes each kind of step's partial effect", "[lab][rollback]") {
  World w;
  auto before = w.kernel->snapshot();
  Lab lab = w.load(kLab, w.fast());
  std::vector<std::string> undone;
  auto progress = [&](const Progress& p) {
    if (p.undo) undone.push_back(p.action.resource + " " + p.action.object);
  };

  SECTION("a client without a lease: its process, files and record go") {
    w.leases = false;
    auto up = lab.up(progress);
    REQUIRE_FALSE(up.ok());
    CHECK_THAT(up.error().message, Catch::Contains("dhcp client cli:eth0"));
    // The failed client is reported as undone first, then the rest in reverse.
    REQUIRE_FALSE(undone.empty());
    CHECK(undone.front() == "dhcp client eth0");
    CHECK_THAT(rollback_lines(undone), Catch::Contains("namespace cli"));
  }
  SECTION("a server that exits at startup: its files and record go") {
    w.processes->on_spawn("dnsmasq", [&](int pid, const std::vector<std::string>&) {
      w.processes->set_alive(pid, false);
    });
    auto up = lab.up(progress);
    REQUIRE_FALSE(up.ok());
    CHECK_THAT(up.error().message, Catch::Contains("dnsmasq exited at startup"));
    CHECK_FALSE(undone.empty());
  }
  SECTION("a namespace that could not be made: its record goes") {
    w.kernel->fail_next("create_namespace", EPERM, 1);
    auto up = lab.up(progress);
    REQUIRE_FALSE(up.ok());
  }
  SECTION("a link change that failed after applying: the link is undone") {
    w.kernel->set_late_fault_hook([](const std::string& op, const std::string& ns,
                                     const std::string& name) -> std::optional<int> {
      if (op == "change_link" && ns == "cli" && name == "eth0") return EIO;
      return std::nullopt;
    });
    auto up = lab.up(progress);
    REQUIRE_FALSE(up.ok());
    w.kernel->clear_faults();
  }
  SECTION("a veth whose marking failed") {
    w.kernel->fail_next("create_veth", EIO);
    auto up = lab.up(progress);
    REQUIRE_FALSE(up.ok());
  }
  SECTION("an address refused by the kernel") {
    w.kernel->fail_next("add_address", EADDRNOTAVAIL);
    auto up = lab.up(progress);
    REQUIRE_FALSE(up.ok());
  }
  w.check_nothing_left(before);
}

TEST_CASE("a rollback that fails says what is left and keeps the record", "[lab][rollback]") {
  World w;
  w.leases = false;
  Lab lab = w.load(kLab, w.fast());
  // The namespace cannot be deleted again: the rollback is incomplete.
  w.kernel->set_fault_hook(
      [](const std::string& op, const std::string& ns, const std::string&) -> std::optional<int> {
        if (op == "delete_namespace" && ns == "cli") return EBUSY;
        return std::nullopt;
      });
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK_THAT(up.error().message,
             Catch::Contains("rollback incomplete") && Catch::Contains("netlab down dh"));
  CHECK(std::filesystem::exists(w.options().state_root + "/dh"));
  w.kernel->clear_faults();
  REQUIRE_OK(Lab::attach("dh", w.options(), w.backends())->down());
}

TEST_CASE("every up waits for the leases, a no-op included", "[lab][readiness]") {
  World w;
  Lab lab = w.load(kLab, w.fast());
  REQUIRE_OK(lab.up());
  // As after an up killed while its client waited: the client runs, with
  // neither a lease nor its address yet.
  auto client = make_dhclient(w.options().state_root + "/dh", "cli", "eth0");
  REQUIRE_OK(client);
  std::filesystem::remove(client->lease_file);
  REQUIRE(w.kernel->delete_address("cli", "eth0", w.leased).ok());
  REQUIRE(lab.plan()->empty());

  SECTION("the lease never comes: up fails after the timeout, naming the client") {
    auto t0 = std::chrono::steady_clock::now();
    auto up = lab.up();
    REQUIRE_FALSE(up.ok());
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(300));
    CHECK(up.error().kind == ErrorKind::Timeout);
    CHECK_THAT(up.error().message, Catch::Contains("dhcp client cli:eth0") &&
                                       Catch::Contains("no lease recorded") &&
                                       Catch::Contains("--wait-timeout"));
  }
  SECTION("the lease comes while up waits: up returns with it") {
    std::thread dhclient([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      w.give_lease(client->lease_file);
    });
    auto up = lab.up();
    dhclient.join();
    REQUIRE_OK(up);
    CHECK(up->plan.empty());
    CHECK(w.holds_lease());
  }
}

TEST_CASE("a lease outside its server's new range is drift that up renews", "[lab][drift]") {
  World w;
  REQUIRE_OK(w.load(kLab, w.fast()).up());
  std::string moved = kLab;
  const std::string from = "range: [10.9.0.10, 10.9.0.20]";
  moved.replace(moved.find(from), from.size(), "range: [10.9.0.100, 10.9.0.120]");
  auto plan = w.load(moved, w.fast()).plan();
  REQUIRE_OK(plan);
  std::string client_reason;
  for (const auto& a : plan->actions)
    if (a.resource == "dhcp client") client_reason = a.reason;
  CHECK(client_reason == "lease 10.9.0.10 outside the server's range 10.9.0.100-10.9.0.120: renew");

  SECTION("a lease inside the range is no drift") {
    auto same = w.load(kLab, w.fast()).plan();
    REQUIRE_OK(same);
    CHECK(same->empty());
  }
}

TEST_CASE("a stopped server keeps its lease database for its next start", "[lab][daemons]") {
  World w;
  Lab lab = w.load(kLab, w.fast());
  REQUIRE_OK(lab.up());
  REQUIRE_FALSE(w.server_leases.empty());
  auto daemons = lab.state().daemons();
  REQUIRE_OK(daemons);
  const DaemonSpec* server = nullptr;
  for (const auto& [id, d] : *daemons)
    if (d.is_server()) server = &d;
  REQUIRE(server);

  // The first step of a down killed right after it: only the server stops.
  // Its clients keep their leases, so its lease database must stay too.
  Plan stop;
  stop.lab = "dh";
  Action a;
  a.kind = ActionKind::Delete;
  a.resource = "dhcp server";
  a.ns = server->ns();
  a.object = server->interface();
  a.phase = Phase::StopDaemons;
  a.ops = {op::StopDaemon{*server, false}};
  stop.actions.push_back(a);
  Backends b{*w.kernel, w.ovs.get(), lab.state(), w.processes.get()};
  REQUIRE(apply_plan(stop, b, ApplyOptions{}).ok());
  CHECK(std::filesystem::exists(w.server_leases));

  // The next up starts the server again, with the client's lease known.
  REQUIRE_OK(w.load(kLab, w.fast()).up());
  std::ifstream in(w.server_leases);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find(" 10.9.0.10 ") != std::string::npos);
  REQUIRE_OK(lab.down());
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/dh"));
}
