// Real dnsmasq, dhclient, nftables and processes in real namespaces (root).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "netlab/nat.hpp"
#include "netlab/processes.hpp"
#include "support/system.hpp"
#include "support/veth_pair.hpp"

using namespace netlab;
namespace t = netlab::testing;
using std::chrono::milliseconds;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Names, sizes and mtimes of a directory's entries (to see that nothing wrote there).
std::string listing(const std::string& dir) {
  std::string out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    struct stat st {};
    ::lstat(e.path().c_str(), &st);
    out += e.path().string() + " " + std::to_string(st.st_size) + " " +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "\n";
  }
  return out;
}

// Whether process `pid` is still running. A zombie has exited: it only waits
// for its parent (here often this container's init, which reaps late) to
// collect its status. The state is the field after the ")" of the command.
bool proc_exists(int pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  return state != 'Z' && state != 'X';
}

using netlab::testing::must;

/// Two namespaces joined by a veth, a state dir, and clean-up of all of it
/// (and of every pid registered) even when a check fails half-way.
struct Lab {
  std::string server_ns = t::unique_name("s");
  std::string client_ns = t::unique_name("c");
  std::string server_if = t::unique_name("v");
  std::string client_if = t::unique_name("w");
  std::string state_dir = "/run/netlab-test-" + t::unique_name();
  std::vector<int> pids;
  t::Cleanup guard{[this] {
    for (int pid : pids)
      if (proc_exists(pid)) ::kill(pid, SIGKILL);
    t::remove_namespace(server_ns);
    t::remove_namespace(client_ns);
    std::error_code ec;
    std::filesystem::remove_all(state_dir, ec);
  }};

  void build() {
    must({"ip", "netns", "add", server_ns});
    must({"ip", "netns", "add", client_ns});
    must({"ip", "link", "add", server_if, "netns", server_ns, "type", "veth", "peer", "name",
          client_if, "netns", client_ns});
    must({"ip", "-n", server_ns, "addr", "add", "10.20.30.2/24", "dev", server_if});
    for (const auto& [ns, ifname] :
         {std::pair{server_ns, server_if}, std::pair{client_ns, client_if}}) {
      must({"ip", "-n", ns, "link", "set", "lo", "up"});
      must({"ip", "-n", ns, "link", "set", ifname, "up"});
    }
  }

  DhcpServer server() const {
    DhcpServer s;
    s.namespace_name = server_ns;
    s.interface = server_if;
    s.range_start = *IpAddress::parse("10.20.30.10");
    s.range_end = *IpAddress::parse("10.20.30.100");
    s.router = Located<IpAddress>{*IpAddress::parse("10.20.30.1"), {}};
    s.dns = {{*IpAddress::parse("10.20.30.2"), {}}};
    return s;
  }
};

}  // namespace

TEST_CASE("processes: run, spawn, inspect, netns_id, terminate inside a namespace",
          "[integration]") {
  Lab lab;
  lab.build();
  auto procs = make_real_processes();

  auto r = procs->run(lab.server_ns, {"ip", "-o", "link", "show"}, milliseconds(5000));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  CHECK(r->output.find(": lo:") != std::string::npos);
  CHECK(r->output.find(": " + lab.server_if + "@") != std::string::npos);
  CHECK(r->output.find(lab.client_if + ":") == std::string::npos);
  // Exactly two links: the namespace's own.
  CHECK(std::count(r->output.begin(), r->output.end(), '\n') == 2);

  auto f = procs->run(lab.server_ns, {"false"}, milliseconds(5000));
  REQUIRE(f.ok());
  CHECK(f->exit_code == 1);
  auto missing = procs->run("", {"netlab-no-such-binary"}, milliseconds(5000));
  REQUIRE(!missing.ok());
  CHECK(missing.error().sys_errno == ENOENT);
  auto no_ns = procs->run("netlab-no-such-ns", {"true"}, milliseconds(5000));
  REQUIRE(!no_ns.ok());

  auto t0 = std::chrono::steady_clock::now();
  auto slow = procs->run(lab.server_ns, {"sleep", "10"}, milliseconds(200));
  REQUIRE(!slow.ok());
  CHECK(slow.error().kind == ErrorKind::Timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < milliseconds(3000));

  auto id_s = procs->netns_id(lab.server_ns);
  auto id_c = procs->netns_id(lab.client_ns);
  auto id_root = procs->netns_id("");
  REQUIRE(id_s.ok());
  REQUIRE(id_root.ok());
  CHECK(id_s->rfind("net:[", 0) == 0);
  CHECK(*id_s != *id_c);
  CHECK(*id_s != *id_root);

  REQUIRE(std::filesystem::create_directories(lab.state_dir));
  auto pid = procs->spawn(lab.server_ns, {"sleep", "30"}, lab.state_dir + "/sleep.log");
  REQUIRE(pid.ok());
  lab.pids.push_back(*pid);
  auto info = procs->inspect(*pid);
  CHECK(info.alive);
  CHECK(info.netns_id == *id_s);
  CHECK(info.cmdline == std::vector<std::string>{"sleep", "30"});
  // Own session: not in ours.
  CHECK(getsid(*pid) == *pid);

  REQUIRE(procs->terminate(*pid, milliseconds(2000)).ok());
  CHECK(!procs->inspect(*pid).alive);
  CHECK(!proc_exists(*pid));
  CHECK(procs->terminate(*pid, milliseconds(100)).ok());  // already gone
}

TEST_CASE("dnsmasq serves, dhclient leases, no host file changes, nothing left behind",
          "[integration]") {
  const std::string resolv_before = slurp("/etc/resolv.conf");
  const std::string hosts_before = slurp("/etc/hosts");
  // The system defaults of dnsmasq and dhclient: nothing may be written there.
  const std::string var_misc = listing("/var/lib/misc"), var_dhcp = listing("/var/lib/dhcp");
  const std::string run_dnsmasq = listing("/run/dnsmasq");
  {
    Lab lab;
    lab.build();
    auto procs = make_real_processes();

    auto server = make_dnsmasq(lab.server(), lab.state_dir, IpPrefix::parse("10.20.30.2/24"));
    REQUIRE(server.ok());
    auto t0 = std::chrono::steady_clock::now();
    auto spid = start_dnsmasq(*procs, *server);
    REQUIRE(spid.ok());
    lab.pids.push_back(*spid);
    auto t1 = std::chrono::steady_clock::now();

    auto client = make_dhclient(lab.state_dir, lab.client_ns, lab.client_if);
    REQUIRE(client.ok());
    auto cpid = start_dhclient(*procs, *client);
    REQUIRE(cpid.ok());
    lab.pids.push_back(*cpid);
    auto lease = wait_for_lease(*procs, *client, *cpid, milliseconds(20000));
    auto t2 = std::chrono::steady_clock::now();
    INFO(slurp(client->log_file));
    INFO(slurp(server->paths.log));
    REQUIRE(lease.ok());
    std::cout << "[services] dnsmasq ready in "
              << std::chrono::duration_cast<milliseconds>(t1 - t0).count()
              << " ms; dhclient start to address on interface in "
              << std::chrono::duration_cast<milliseconds>(t2 - t1).count() << " ms\n";

    // The interface holds the leased address (checked with ip -j).
    CHECK(lease->address.length == 24);
    CHECK(IpPrefix::parse("10.20.30.0/24")->contains(lease->address.address));
    auto addrs = t::ip_addresses(lab.client_ns, lab.client_if);
    CHECK(std::find(addrs.begin(), addrs.end(), lease->address.str()) != addrs.end());
    CHECK(lease->router == IpAddress::parse("10.20.30.1"));
    CHECK(lease->server == IpAddress::parse("10.20.30.2"));
    auto route = t::run({"ip", "-n", lab.client_ns, "-4", "route", "show", "default"});
    CHECK(route.text.find("via 10.20.30.1 dev " + lab.client_if) != std::string::npos);

    // The server's lease file has it, under the client's MAC.
    std::string mac = t::ip_link(lab.client_ns, lab.client_if).value("address", "");
    auto leases = read_dnsmasq_leases(server->paths.lease);
    REQUIRE(leases.ok());
    REQUIRE(leases->size() == 1);
    CHECK(leases->at(0).mac == mac);
    CHECK(leases->at(0).address == lease->address.address);

    // Both daemons are recognised as ours; with the wrong namespace or argv not.
    CHECK(check_daemon(*procs, server->paths.pid, server->ns, server->argv).ours);
    CHECK(check_daemon(*procs, client->pid_file, client->ns, client->argv).ours);
    CHECK(!check_daemon(*procs, server->paths.pid, lab.client_ns, server->argv).ours);
    CHECK(!check_daemon(*procs, client->pid_file, client->ns, server->argv).ours);

    // Leases are served only on the lab's interface, from the lab's files.
    CHECK(slurp(server->paths.log).find("DHCPACK(" + lab.server_if + ")") != std::string::npos);

    REQUIRE(stop_daemon(*procs, client->pid_file, client->ns, client->argv).ok());
    REQUIRE(stop_daemon(*procs, server->paths.pid, server->ns, server->argv).ok());
    CHECK(!proc_exists(*cpid));
    CHECK(!proc_exists(*spid));
    REQUIRE(remove_dhclient_files(*client).ok());
    REQUIRE(remove_dnsmasq_files(*server).ok());
    CHECK(std::filesystem::is_empty(lab.state_dir));

    CHECK(slurp("/etc/resolv.conf") == resolv_before);
    CHECK(slurp("/etc/hosts") == hosts_before);
  }
  CHECK(slurp("/etc/resolv.conf") == resolv_before);
  CHECK(slurp("/etc/hosts") == hosts_before);
  CHECK(listing("/var/lib/misc") == var_misc);
  CHECK(listing("/var/lib/dhcp") == var_dhcp);
  CHECK(listing("/run/dnsmasq") == run_dnsmasq);
}

TEST_CASE("dnsmasq that cannot start reports its log", "[integration]") {
  Lab lab;
  lab.build();
  auto procs = make_real_processes();
  auto s = lab.server();
  s.interface = "nosuchif0";  // dnsmasq fails to bind
  auto server = make_dnsmasq(s, lab.state_dir, IpPrefix::parse("10.20.30.2/24"));
  REQUIRE(server.ok());
  auto pid = start_dnsmasq(*procs, *server, milliseconds(5000));
  REQUIRE(!pid.ok());
  CHECK(pid.error().message.find("nosuchif0") != std::string::npos);
}

TEST_CASE("nat: the lab's table is created, replaced, observed and deleted atomically",
          "[integration]") {
  std::string lab = t::unique_name();
  std::string table = nat_table_name(lab);
  t::Cleanup guard([&] {
    // Deletes the table only if a failed check left it (add + delete: no error if absent).
    t::run({"nft", "add table ip " + table + "; delete table ip " + table});
  });
  auto tables_before = t::run_json({"nft", "-j", "list", "tables"});
  auto has_table = [&] {
    auto doc = t::run_json({"nft", "-j", "list", "tables"});  // kept alive for the loop
    for (const auto& item : doc["nftables"])
      if (item.contains("table") && item["table"].value("name", "") == table &&
          item["table"].value("family", "") == "ip")
        return true;
    return false;
  };

  auto nat = make_nftables_nat();
  auto none = nat->observe(lab);
  REQUIRE(none.ok());
  CHECK(!none->exists);

  NatRule a, b;
  a.source = *IpPrefix::parse("172.31.255.1/30");
  a.out = "eth0";
  b.source = *IpPrefix::parse("10.99.0.0/16");
  b.out = "up1";
  REQUIRE(nat->apply(lab, {a, b}).ok());
  CHECK(has_table());
  auto st = nat->observe(lab);
  REQUIRE(st.ok());
  CHECK(st->exists);
  CHECK(st->chain_ok);
  REQUIRE(st->rules.size() == 2);
  CHECK(st->rules[0].source == *IpPrefix::parse("172.31.255.0/30"));
  CHECK(st->rules[0].out == "eth0");
  CHECK(st->rules[1].out == "up1");
  CHECK(st->other_rules.empty());
  auto text = t::run({"nft", "list", "table", "ip", table});
  CHECK(text.text.find("ip saddr 172.31.255.0/30 oifname \"eth0\" masquerade") !=
        std::string::npos);

  // Re-apply replaces (idempotent, no duplicates).
  REQUIRE(nat->apply(lab, {b}).ok());
  st = nat->observe(lab);
  REQUIRE(st.ok());
  REQUIRE(st->rules.size() == 1);
  CHECK(st->rules[0].out == "up1");

  REQUIRE(nat->remove(lab).ok());
  CHECK(!has_table());
  CHECK(nat->remove(lab).ok());  // already gone
  CHECK(!nat->observe(lab)->exists);
  CHECK(t::run_json({"nft", "-j", "list", "tables"}) == tables_before);
}

TEST_CASE("a daemon whose namespace was deleted under it is still stopped", "[integration]") {
  Lab lab;
  lab.build();
  auto procs = make_real_processes();
  auto server = make_dnsmasq(lab.server(), lab.state_dir, IpPrefix::parse("10.20.30.2/24"));
  REQUIRE(server.ok());
  auto pid = start_dnsmasq(*procs, *server);
  REQUIRE(pid.ok());
  lab.pids.push_back(*pid);
  must({"ip", "netns", "del", lab.server_ns});
  CHECK(procs->inspect(*pid).alive);  // it keeps the namespace alive
  auto c = check_daemon(*procs, server->paths.pid, server->ns, server->argv);
  CHECK(c.ours);
  REQUIRE(stop_daemon(*procs, server->paths.pid, server->ns, server->argv).ok());
  CHECK(!proc_exists(*pid));
}
