// `status` on the fakes: every object of the plan's vocabulary is a row with
// its live state, and each action of the plan is drift of exactly the rows of
// the objects it acts on. The scenarios are the ones of docs/demos.md.
#include <catch2/catch.hpp>
#include <filesystem>

#include "lab/lab_daemons.hpp"
#include "lab_fixture.hpp"
#include "netlab/dhcp.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

// A namespace with a default route and a sysctl, one behind a Linux bridge,
// one on an OVS bridge in VLAN 30 (like demo 02/03) with a route of its own,
// and a host sysctl (like routed-nat).
const char* kLab = R"(
name: stat
namespaces:
  red:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
    routes:
      - {to: default, via: 10.0.0.254}
    sysctls: {net.ipv4.ip_forward: 1}
  green:
    interfaces:
      eth0: {addresses: [10.1.0.2/24]}
    routes:
      - {to: 192.168.50.0/24, via: 10.1.0.1}
bridges:
  br-s:
    kind: linux
    addresses: [10.0.0.254/24]
  ovs-s:
    kind: ovs
links:
  - [red:eth0, br-s:vr]
  - endpoints: [green:eth0, ovs-s:vg]
    vlan: 30
host:
  sysctls: {net.ipv4.ip_forward: 1}
)";

struct World : FakeWorld {
  World() { kernel->seed_sysctl("", "net.ipv4.ip_forward", "0"); }
};

const StatusEntry* find(const StatusReport& r, const std::string& resource, const std::string& ns,
                        const std::string& object) {
  for (const auto& e : r.entries)
    if (e.resource == resource && e.ns == ns && e.object == object) return &e;
  return nullptr;
}

std::string show(const StatusReport& r) {
  std::string s;
  for (const auto& e : r.entries)
    s += e.resource + " | " + (e.ns.empty() ? "-" : e.ns) + " | " + e.object + " | " + e.state +
         (e.drift.empty() ? "" : " | drift: " + e.drift) + "\n";
  return s;
}

// How many rows mention `text` in their drift.
std::size_t rows_with(const StatusReport& r, const std::string& text) {
  std::size_t n = 0;
  for (const auto& e : r.entries) n += e.drift.find(text) != std::string::npos;
  return n;
}

std::size_t rows_drifted(const StatusReport& r) {
  std::size_t n = 0;
  for (const auto& e : r.entries) n += !e.drift.empty();
  return n;
}

// The rows an action of `plan` belongs to: as many as it has subjects that
// are listed, and at least one.
void check_each_action_on_its_rows(const Plan& plan, const StatusReport& r) {
  for (const auto& a : plan.actions) {
    INFO(format_action(a));
    CHECK_FALSE(a.subjects.empty());
    if (!a.shown()) {
      CHECK(a.half == ReplaceHalf::Destroy);
      continue;
    }
    std::size_t rows = rows_with(r, format_action(a));
    CHECK(rows >= 1);
    CHECK(rows <= a.subjects.size());
  }
}

}  // namespace

TEST_CASE("status lists every object of the plan's vocabulary with its state", "[lab][status]") {
  World w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  CHECK(st->drifted == 0);
  CHECK(rows_drifted(*st) == 0);

  const StatusEntry* e = find(*st, "route", "red", "default via 10.0.0.254");
  REQUIRE(e);
  CHECK(e->state == "present");
  e = find(*st, "route", "green", "192.168.50.0/24 via 10.1.0.1");
  REQUIRE(e);
  CHECK(e->state == "present");
  e = find(*st, "sysctl", "red", "net.ipv4.ip_forward");
  REQUIRE(e);
  CHECK(e->state == "1");
  e = find(*st, "sysctl", "", "net.ipv4.ip_forward");
  REQUIRE(e);
  CHECK(e->state == "1");
  e = find(*st, "ovs bridge", "", "ovs-s");
  REQUIRE(e);
  CHECK(e->state == "datapath netdev");
  e = find(*st, "ovs port", "", "vg on ovs-s");
  REQUIRE(e);
  CHECK(e->state == "vlan 30");
  e = find(*st, "veth", "", "vr");
  REQUIRE(e);
  CHECK(e->state == "up, master br-s");
  e = find(*st, "veth", "red", "eth0");
  REQUIRE(e);
  CHECK(e->state == "up 10.0.0.1/24");
}

TEST_CASE("status shows a route deleted by hand as drift of its own row", "[lab][status]") {
  // routed-nat: `ip netns exec app ip route del default` made status say "no drift".
  World w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  RouteRequest def;
  def.gateway = IpAddress::parse("10.0.0.254");
  REQUIRE_OK(w.kernel->delete_route("red", def));

  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  const StatusEntry* e = find(*st, "route", "red", "default via 10.0.0.254");
  REQUIRE(e);
  CHECK(e->state == "missing");
  CHECK(e->drift == "+ route default via 10.0.0.254 (missing)");
  CHECK(st->drifted == 1);
  CHECK(rows_drifted(*st) == 1);
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  check_each_action_on_its_rows(*plan, *st);

  REQUIRE_OK(lab.up());
  auto after = lab.status();
  REQUIRE_OK(after);
  CHECK(after->drifted == 0);
  CHECK(find(*after, "route", "red", "default via 10.0.0.254")->state == "present");
}

TEST_CASE("status shows a sysctl changed by hand as drift of its own row", "[lab][status]") {
  World w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  REQUIRE_OK(w.kernel->write_sysctl("red", "net.ipv4.ip_forward", "0"));

  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  const StatusEntry* e = find(*st, "sysctl", "red", "net.ipv4.ip_forward");
  REQUIRE(e);
  CHECK(e->state == "0");
  CHECK(e->drift == "~ sysctl net.ipv4.ip_forward = 1 (is 0)");
  CHECK(st->drifted == 1);
  // The host's sysctl of the same name is another object.
  CHECK(find(*st, "sysctl", "", "net.ipv4.ip_forward")->drift.empty());
}

TEST_CASE("status of an OVS lab after a veth pair was deleted: each action on its own row",
          "[lab][status]") {
  // demo 02: `ip netns exec red ip link del eth0-r` deletes the pair; the
  // OVS port stays in the database with its interface gone.
  World w;
  Lab lab = w.load(kLab);
  REQUIRE_OK(lab.up());
  REQUIRE_OK(w.kernel->delete_link("green", "eth0"));
  REQUIRE(w.kernel->snapshot().namespaces.at("").links.count("vg") == 0);

  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  const std::string veth = "+ veth eth0 <-> vg (missing)";
  const std::string port = "-/+ ovs port vg on ovs-s vlan 30 (its interface vg is gone)";

  const StatusEntry* end_in_ns = find(*st, "veth", "green", "eth0");
  REQUIRE(end_in_ns);
  CHECK(end_in_ns->state == "missing");
  CHECK(end_in_ns->drift == veth + "; + address 10.1.0.2/24 on eth0 (missing)");

  // The root end goes with the pair: its row shows the pair, not the port.
  const StatusEntry* end_in_root = find(*st, "veth", "", "vg");
  REQUIRE(end_in_root);
  CHECK(end_in_root->state == "missing");
  CHECK(end_in_root->drift == veth);

  const StatusEntry* ovs_port = find(*st, "ovs port", "", "vg on ovs-s");
  REQUIRE(ovs_port);
  CHECK(ovs_port->state == "vlan 30, its interface is gone");
  CHECK(ovs_port->drift == port);
  CHECK(rows_with(*st, "ovs port") == 1);

  // The route through eth0 went with it (as in the kernel).
  const StatusEntry* route = find(*st, "route", "green", "192.168.50.0/24 via 10.1.0.1");
  REQUIRE(route);
  CHECK(route->drift == "+ route 192.168.50.0/24 via 10.1.0.1 (missing)");

  CHECK(st->drifted == 4);
  CHECK(rows_drifted(*st) == 4);
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  check_each_action_on_its_rows(*plan, *st);

  // `up` repairs exactly that, and the replaced port is one line of the plan.
  const std::string text = format_plan(*plan);
  INFO(text);
  CHECK(text.find("  -/+ ovs port vg on ovs-s vlan 30  (its interface vg is gone)\n") !=
        std::string::npos);
  CHECK(text.find("  -   ovs port") == std::string::npos);
  CHECK(text.find("  +   ovs port") == std::string::npos);
  CHECK(plan->summary() == "Plan: 4 to add, 0 to change, 1 to destroy.");
  std::vector<std::string> steps;
  auto up = lab.up([&](const Progress& p) {
    steps.push_back(std::string(symbol(p.action.kind)) + " " + p.action.resource);
  });
  REQUIRE_OK(up);
  CHECK(up->plan.count(ActionKind::Replace) == 1);
  CHECK(std::count(steps.begin(), steps.end(), "-/+ ovs port") == 2);  // old row, new row
  auto after = lab.status();
  REQUIRE_OK(after);
  INFO(show(*after));
  CHECK(after->drifted == 0);
  CHECK(find(*after, "ovs port", "", "vg on ovs-s")->state == "vlan 30");
}

TEST_CASE("status puts a dead DHCP server's drift on the server's row only", "[lab][status]") {
  // demo 03: after killing dhcp-r's dnsmasq the drift was on the server row
  // and on the row of its interface tap-r, counted twice.
  const std::string without_dhcp = R"(
name: stat3
namespaces:
  dhcp-r:
    interfaces:
      tap-r: {addresses: [10.20.30.2/24]}
bridges:
  ovs1:
    kind: ovs
    ports:
      tap-r: {internal: true, namespace: dhcp-r, vlan: 100}
)";
  const std::string with_dhcp = without_dhcp + R"(
dhcp:
  - namespace: dhcp-r
    interface: tap-r
    range: [10.20.30.10, 10.20.30.100]
)";
  FakeWorld w;
  REQUIRE_OK(w.load(without_dhcp).up());
  // The server as `up` leaves it: recorded in the state directory, its pid
  // file naming a process in its namespace with its command line.
  Lab lab = w.load(with_dhcp);
  auto desired = desired_state(*lab.topology(), lab.state().path());
  REQUIRE_OK(desired);
  REQUIRE(desired->daemons.size() == 1);
  const DaemonSpec& server = desired->daemons.front();
  REQUIRE_OK(lab.state().record_daemon(server));
  int pid = w.processes->add_process("dhcp-r", server.argv());
  // start_dnsmasq makes the namespace's daemon directory before the pid file.
  std::filesystem::create_directories(daemon_dir(lab.state().path(), "dhcp-r"));
  REQUIRE_OK(write_pid_file(server.pid_file(), pid));

  auto running = lab.status();
  REQUIRE_OK(running);
  INFO(show(*running));
  CHECK(running->drifted == 0);
  const StatusEntry* row = find(*running, "dhcp server", "dhcp-r", "tap-r");
  REQUIRE(row);
  CHECK(row->state == "pid " + std::to_string(pid));

  w.processes->set_alive(pid, false);
  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  row = find(*st, "dhcp server", "dhcp-r", "tap-r");
  REQUIRE(row);
  CHECK(row->state == "not running");
  CHECK(row->drift == "+ dhcp server tap-r (not running: pid " + std::to_string(pid) + " is gone)");
  const StatusEntry* tap = find(*st, "ovs-internal", "dhcp-r", "tap-r");
  REQUIRE(tap);
  CHECK(tap->drift.empty());
  CHECK(st->drifted == 1);
  CHECK(rows_drifted(*st) == 1);
}

TEST_CASE("objects the topology no longer lists are rows of their own", "[lab][status]") {
  World w;
  REQUIRE_OK(w.load(kLab).up());
  std::string smaller = kLab;
  auto cut = [&](const std::string& what) {
    auto at = smaller.find(what);
    REQUIRE(at != std::string::npos);
    smaller.erase(at, what.size());
  };
  // Drop red (with its veth pair and route) and the host sysctl.
  cut("  red:\n    interfaces:\n      eth0: {addresses: [10.0.0.1/24]}\n    routes:\n"
      "      - {to: default, via: 10.0.0.254}\n    sysctls: {net.ipv4.ip_forward: 1}\n");
  cut("  - [red:eth0, br-s:vr]\n");
  cut("host:\n  sysctls: {net.ipv4.ip_forward: 1}\n");
  Lab lab = w.load(smaller);
  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));

  const StatusEntry* ns = find(*st, "namespace", "red", "red");
  REQUIRE(ns);
  CHECK(ns->state == "present");
  CHECK(ns->drift == "- namespace red (owned but no longer in topology)");
  const StatusEntry* ends = find(*st, "veth ends", "", "vr");
  REQUIRE(ends);
  CHECK(ends->drift == "- veth ends vr (go away with their namespaces)");
  const StatusEntry* sysctl = find(*st, "sysctl", "", "net.ipv4.ip_forward");
  REQUIRE(sysctl);
  CHECK(sysctl->state == "1");
  CHECK(sysctl->drift == "~ sysctl net.ipv4.ip_forward = 0 (restore value from before the lab)");
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  check_each_action_on_its_rows(*plan, *st);
  CHECK(st->drifted == plan->actions.size());
}

TEST_CASE("a missing namespace is drift of the namespace and of its lo", "[lab][status]") {
  World w;
  Lab lab = w.load(kLab);
  auto st = lab.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  const StatusEntry* ns = find(*st, "namespace", "red", "red");
  REQUIRE(ns);
  CHECK(ns->state == "missing");
  CHECK(ns->drift == "+ namespace red (missing)");
  const StatusEntry* lo = find(*st, "loopback", "red", "lo");
  REQUIRE(lo);
  CHECK(lo->state == "missing");
  CHECK(lo->drift == "+ namespace red (missing)");
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  // Never up: status does not probe OVS for what `datapath: auto` means (the
  // probe makes a bridge), the plan does. That row aside, they agree.
  const StatusEntry* bridge = find(*st, "ovs bridge", "", "ovs-s");
  REQUIRE(bridge);
  CHECK(bridge->drift == "+ ovs bridge ovs-s (missing; datapath auto (probed by up))");
  std::erase_if(plan->actions, [](const Action& a) {
    return format_action(a) == "+ ovs bridge ovs-s (missing; datapath netdev)";
  });
  check_each_action_on_its_rows(*plan, *st);
}

TEST_CASE("down reports restored settings apart from removed objects", "[lab][status]") {
  // routed-nat: "[5/5] ~ sysctl net.ipv4.ip_forward = 0" was counted as an
  // object removed.
  World w;
  REQUIRE_OK(w.load(kLab).up());
  auto down = w.load(kLab).down();
  REQUIRE_OK(down);
  std::size_t deletes = 0, modifies = 0;
  for (const auto& a : down->plan.actions) {
    CHECK_FALSE(a.subjects.empty());
    deletes += a.kind == ActionKind::Delete;
    modifies += a.kind == ActionKind::Modify;
  }
  REQUIRE(modifies == 1);
  REQUIRE(deletes > 1);
  CHECK(removal_summary(down->plan) ==
        std::to_string(deletes) + " objects removed, 1 setting restored");
  CHECK(w.kernel->snapshot().namespaces.at("").sysctls.at("net.ipv4.ip_forward") == "0");
}

TEST_CASE("status makes no OVS probe bridge: datapath auto is what up recorded", "[lab][status]") {
  World w;
  {
    // Before any up: nothing recorded, and status does not ask OVS.
    Lab lab = w.load(kLab);
    auto st = lab.status();
    REQUIRE_OK(st);
    INFO(show(*st));
    const StatusEntry* bridge = find(*st, "ovs bridge", "", "ovs-s");
    REQUIRE(bridge);
    CHECK(bridge->drift == "+ ovs bridge ovs-s (missing; datapath auto (probed by up))");
    CHECK(w.ovs->datapath_probes == 0);
    REQUIRE_OK(lab.up());
    CHECK(w.ovs->datapath_probes == 1);
  }
  // A later status (another process: a new Lab) shows the recorded datapath
  // for the bridge deleted by hand, still without a probe.
  w.ovs->remove_bridge("ovs-s");
  Lab again = w.load(kLab);
  auto st = again.status();
  REQUIRE_OK(st);
  INFO(show(*st));
  const StatusEntry* bridge = find(*st, "ovs bridge", "", "ovs-s");
  REQUIRE(bridge);
  CHECK(bridge->drift == "+ ovs bridge ovs-s (missing; datapath netdev)");
  CHECK(w.ovs->datapath_probes == 1);
}
