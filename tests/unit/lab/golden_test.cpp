// Golden plan tests: tests/golden/<case>/{topology.yaml, live.yaml, plan.txt},
// and an optional `machine` file: its one line is the --machine to plan as.
//
// Each case pre-seeds a fake world (FakeKernel, FakeOvs, the lab's state
// directory) from live.yaml, loads topology.yaml as a Lab on that world, plans,
// and compares format_plan(plan) byte for byte with plan.txt. When the plan
// fails, the expected text is one "error: <line>" per line of the error, with
// the topology's path shown as "topology.yaml".
//
// NETLAB_UPDATE_GOLDEN=1 rewrites plan.txt with what the planner says (read
// every rewritten file before committing it).
//
// live.yaml (every key optional):
//
//   owned: [red, blue]          # namespaces recorded in the lab's state dir
//   saved_host_sysctls: {net.ipv4.ip_forward: "0"}   # recorded in the state dir
//   namespaces:                 # "host" = the root namespace; others are created
//     host:
//       links:
//         br-g: {kind: bridge, up: true, alias: "netlab:gold",
//                addresses: [10.0.0.254/24]}
//         vr:   {kind: veth, peer: eth0, peer_ns: red, master: br-g, up: true,
//                mtu: 1500, alias: "netlab:gold"}
//       routes:
//         - {to: default, via: 192.0.2.1, dev: eth0, proto: static}
//       sysctls: {net.ipv4.ip_forward: "1"}
//     red:
//       links:
//         lo: {up: true}        # an existing link (lo): attributes are applied
//         eth0: {kind: veth, peer: vr, up: true, addresses: [10.0.0.1/24]}
//   ovs:
//     bridges:
//       ovs-g:
//         datapath: netdev      # default netdev
//         owner: gold           # external_ids:netlab-lab ("" / absent = foreign)
//         ports:
//           vr: {owner: gold, tag: 100, internal: false}
//
// Link keys: kind (loopback, veth, bridge, vlan, tap, ovs-internal, vxlan,
// macvlan, other; default other), kind_text, peer, peer_ns (absent or "host" =
// root), master, vlan_parent, vlan_id, up (default false), mtu (default 1500),
// mac, alias, addresses, physical, vxlan ({id: VNI, local: ADDR, remote: ADDR,
// port: 4789}), qdisc (a root qdisc: {kind: tbf, handle:
// 0x4e4c0000, rate: BITS, burst: BYTES, limit: BYTES}).
// A namespace's `loss: {lab: gold, drops: {DEVICE: PPM}}` seeds the lab's
// netdev loss table there (loss.hpp). Connected routes of links that are up with
// addresses appear by themselves (protocol kernel), as in the real kernel.
// Route keys: to (default or a prefix), via, dev, proto (static | kernel |
// a number; default static), scope (default 0).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "lab_fixture.hpp"

using namespace netlab;
using namespace netlab::testing;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ns_name(const std::string& key) { return key == "host" ? "" : key; }

LinkKind parse_kind(const std::string& k) {
  static const std::map<std::string, LinkKind> kinds{
      {"loopback", LinkKind::Loopback}, {"veth", LinkKind::Veth},
      {"bridge", LinkKind::Bridge},     {"vlan", LinkKind::Vlan},
      {"tap", LinkKind::Tap},           {"ovs-internal", LinkKind::OvsInternal},
      {"vxlan", LinkKind::Vxlan},       {"macvlan", LinkKind::Macvlan},
      {"other", LinkKind::Other}};
  auto it = kinds.find(k);
  if (it == kinds.end()) throw std::runtime_error("live.yaml: unknown link kind '" + k + "'");
  return it->second;
}

IpPrefix prefix(const std::string& text) {
  auto p = IpPrefix::parse(text);
  if (!p) throw std::runtime_error("live.yaml: bad prefix '" + text + "'");
  return *p;
}

IpAddress address(const std::string& text) {
  auto a = IpAddress::parse(text);
  if (!a) throw std::runtime_error("live.yaml: bad address '" + text + "'");
  return *a;
}

std::vector<IpPrefix> prefixes(const YAML::Node& n) {
  std::vector<IpPrefix> v;
  if (n)
    for (const auto& a : n) v.push_back(prefix(a.as<std::string>()));
  return v;
}

void seed_link(FakeKernel& k, const std::string& ns, const std::string& name, const YAML::Node& n) {
  auto snap = k.snapshot();
  auto nit = snap.namespaces.find(ns);
  if (nit != snap.namespaces.end() && nit->second.links.count(name)) {
    // An existing link (lo of a namespace): change what is given.
    LinkChange c;
    if (n["up"]) c.up = n["up"].as<bool>();
    if (n["mtu"]) c.mtu = n["mtu"].as<int>();
    if (n["alias"]) c.alias = n["alias"].as<std::string>();
    if (n["master"]) c.master = n["master"].as<std::string>();
    if (!c.empty()) REQUIRE(k.change_link(ns, name, c).ok());
    for (const auto& a : prefixes(n["addresses"])) REQUIRE(k.add_address(ns, name, a).ok());
    return;
  }
  FakeLink l;
  l.name = name;
  l.kind = parse_kind(n["kind"].as<std::string>("other"));
  l.kind_text = n["kind_text"].as<std::string>("");
  l.peer_name = n["peer"].as<std::string>("");
  l.peer_ns = ns_name(n["peer_ns"].as<std::string>(""));
  l.master = n["master"].as<std::string>("");
  l.vlan_parent = n["vlan_parent"].as<std::string>("");
  l.vlan_id = n["vlan_id"].as<int>(0);
  l.up = n["up"].as<bool>(false);
  l.mtu = n["mtu"].as<int>(1500);
  l.mac = n["mac"].as<std::string>("");
  l.alias = n["alias"].as<std::string>("");
  l.physical = n["physical"].as<bool>(false);
  l.addresses = prefixes(n["addresses"]);
  if (const YAML::Node v = n["vxlan"]) {
    VxlanRequest r;
    r.ns = ns;
    r.name = name;
    r.vni = v["id"].as<std::uint32_t>();
    r.local = address(v["local"].as<std::string>());
    r.remote = address(v["remote"].as<std::string>());
    r.port = v["port"].as<int>(4789);
    l.vxlan = r;
  }
  if (const YAML::Node q = n["qdisc"]) {
    RootQdisc r;
    r.kind = q["kind"].as<std::string>();
    r.handle = q["handle"].as<std::uint32_t>();
    r.tbf = {q["rate"].as<std::uint64_t>(0), q["burst"].as<std::uint32_t>(0),
             q["limit"].as<std::uint32_t>(0)};
    l.qdisc = r;
  }
  k.seed_link(ns, l);
}

void seed_route(FakeKernel& k, const std::string& ns, const YAML::Node& n) {
  FakeRoute r;
  std::string to = n["to"].as<std::string>();
  if (n["via"]) r.gateway = address(n["via"].as<std::string>());
  if (to != "default") {
    r.dst = prefix(to).network();
    r.family = r.dst->family();
  } else if (r.gateway) {
    r.family = r.gateway->family;
  }
  r.dev = n["dev"].as<std::string>("");
  std::string proto = n["proto"].as<std::string>("static");
  r.protocol = proto == "static" ? 4 : proto == "kernel" ? 2 : std::stoi(proto);
  r.scope = n["scope"].as<int>(0);
  k.seed_route(ns, r);
}

// Seeds the world from live.yaml.
void seed(FakeWorld& w, StateDir& state, const YAML::Node& live) {
  if (!live || live.IsNull()) return;
  if (live["owned"] || live["saved_host_sysctls"]) REQUIRE(state.ensure().ok());
  for (const auto& ns : live["owned"]) REQUIRE(state.record_namespace(ns.as<std::string>()).ok());
  for (const auto& kv : live["saved_host_sysctls"])
    REQUIRE(state.save_host_sysctl(kv.first.as<std::string>(), kv.second.as<std::string>()).ok());
  FakeKernel& k = *w.kernel;
  // Namespaces first, so that veth peers may point at any of them.
  for (const auto& nsn : live["namespaces"]) {
    std::string ns = ns_name(nsn.first.as<std::string>());
    if (!ns.empty()) k.seed_namespace(ns);
  }
  // Bridges before their ports (a master must exist when the port is shown).
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& nsn : live["namespaces"]) {
      std::string ns = ns_name(nsn.first.as<std::string>());
      for (const auto& ln : nsn.second["links"]) {
        bool bridge = ln.second["kind"].as<std::string>("") == "bridge";
        if (bridge == (pass == 0)) seed_link(k, ns, ln.first.as<std::string>(), ln.second);
      }
    }
  }
  // The lab records the root links it makes (StateDir::root_links): a world
  // with a state directory holds the record of the lab's marked root links,
  // as the netlab that made them would have written it.
  auto seeded = k.snapshot();  // kept alive: the loop reads into it
  if (state.exists())
    for (const auto& [name, l] : seeded.namespaces.at("").links)
      if (l.alias == owner_alias(state.lab())) REQUIRE(state.record_root_link(name).ok());
  for (const auto& nsn : live["namespaces"]) {
    std::string ns = ns_name(nsn.first.as<std::string>());
    for (const auto& r : nsn.second["routes"]) seed_route(k, ns, r);
    for (const auto& s : nsn.second["sysctls"])
      k.seed_sysctl(ns, s.first.as<std::string>(), s.second.as<std::string>());
    if (const YAML::Node l = nsn.second["loss"])
      for (const auto& d : l["drops"])
        REQUIRE(w.loss
                    ->set(l["lab"].as<std::string>(), ns, d.first.as<std::string>(),
                          d.second.as<std::uint32_t>())
                    .ok());
  }
  const YAML::Node ovs = live["ovs"];
  if (!ovs) return;
  for (const auto& bn : ovs["bridges"]) {
    std::string bridge = bn.first.as<std::string>();
    w.ovs->seed_bridge(bridge, bn.second["datapath"].as<std::string>("netdev"),
                       bn.second["owner"].as<std::string>(""));
    for (const auto& pn : bn.second["ports"]) {
      std::optional<int> tag;
      if (pn.second["tag"]) tag = pn.second["tag"].as<int>();
      w.ovs->seed_port(bridge, pn.first.as<std::string>(), pn.second["owner"].as<std::string>(""),
                       tag, pn.second["internal"].as<bool>(false));
    }
  }
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// The plan of one case; nullopt with `out` holding its error lines.
std::optional<Plan> plan_case(const fs::path& dir, std::string& out) {
  FakeWorld w;
  const std::string topo = (dir / "topology.yaml").string();
  LabOptions options = w.options();
  if (fs::exists(dir / "machine")) {
    std::ifstream in(dir / "machine");
    std::getline(in, options.machine);
  }
  auto lab = Lab::load(topo, options, w.backends());
  auto errors = [&](const Error& e) {
    std::string text = e.str();
    replace_all(text, topo, "topology.yaml");
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) out += "error: " + line + "\n";
  };
  if (!lab.ok()) {
    errors(lab.error());
    return std::nullopt;
  }
  YAML::Node live;
  if (fs::exists(dir / "live.yaml")) live = YAML::LoadFile((dir / "live.yaml").string());
  seed(w, lab->state(), live);
  auto plan = lab->plan();
  if (!plan.ok()) {
    errors(plan.error());
    return std::nullopt;
  }
  return std::move(*plan);
}

// The plan of one case as text, or its error lines.
std::string run_case(const fs::path& dir) {
  std::string out;
  auto plan = plan_case(dir, out);
  return plan ? format_plan(*plan) : out;
}

std::vector<fs::path> golden_cases() {
  fs::path root = fs::path(NETLAB_SOURCE_DIR) / "tests" / "golden";
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  return cases;
}

// The index of the action "RESOURCE OBJECT" (as the plan shows it) of `plan`.
std::size_t find_action(const Plan& plan, const std::string& resource, const std::string& object,
                        ReplaceHalf half = ReplaceHalf::None) {
  for (std::size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (a.resource == resource && a.object == object && a.half == half) return i;
  }
  FAIL("no action " << resource << " " << object);
  return 0;
}

// Whether action `from` needs `to`, directly or through others.
bool needs(const Plan& plan, std::size_t from, std::size_t to) {
  std::vector<std::size_t> stack{from};
  while (!stack.empty()) {
    std::size_t i = stack.back();
    stack.pop_back();
    for (std::size_t d : plan.actions[i].deps) {
      if (d == to) return true;
      stack.push_back(d);
    }
  }
  return false;
}

}  // namespace

TEST_CASE("golden plans", "[lab][golden]") {
  std::vector<fs::path> cases = golden_cases();
  REQUIRE(cases.size() >= 6);
  const char* update = std::getenv("NETLAB_UPDATE_GOLDEN");
  bool rewrite = update && std::string(update) == "1";
  for (const auto& dir : cases) {
    DYNAMIC_SECTION(dir.filename().string()) {
      std::string actual = run_case(dir);
      fs::path expected_path = dir / "plan.txt";
      if (rewrite) {
        std::ofstream(expected_path, std::ios::binary) << actual;
        WARN("rewrote " << expected_path.string());
        continue;
      }
      REQUIRE(fs::exists(expected_path));
      std::string expected = read_text(expected_path);
      INFO("case " << dir.filename().string() << "\n--- expected\n"
                   << expected << "--- actual\n"
                   << actual);
      CHECK(actual == expected);
    }
  }
}

// The edges the executor obeys (derive_dependencies) on the golden plans:
// each points to an earlier action, and the expected ones are there.
TEST_CASE("golden plans: dependencies point back and name what each action needs",
          "[lab][golden]") {
  std::map<std::string, Plan> plans;
  for (const auto& dir : golden_cases()) {
    std::string errors;
    auto plan = plan_case(dir, errors);
    if (!plan) continue;
    for (std::size_t i = 0; i < plan->actions.size(); ++i) {
      for (std::size_t d : plan->actions[i].deps) {
        INFO(dir.filename().string() << ": action " << i << " needs " << d);
        CHECK(d < i);
      }
    }
    plans[dir.filename().string()] = std::move(*plan);
  }
  REQUIRE(plans.size() >= 8);

  const Plan& empty = plans.at("01-empty-world");
  std::size_t red = find_action(empty, "namespace", "red");
  std::size_t veth = find_action(empty, "veth", "eth0 <-> vr");
  std::size_t address = find_action(empty, "address", "10.0.0.1/24 on eth0");
  std::size_t route = find_action(empty, "route", "default via 10.0.0.254");
  std::size_t bridge = find_action(empty, "bridge", "br-g");
  std::size_t port = find_action(empty, "bridge port", "vr of br-g");
  CHECK(needs(empty, address, veth));
  CHECK(needs(empty, veth, red));
  CHECK(needs(empty, route, address));
  CHECK(needs(empty, port, bridge));
  CHECK(needs(empty, port, veth));
  CHECK(needs(empty, find_action(empty, "veth", "eth0 <-> vb"),
              find_action(empty, "namespace", "blue")));

  const Plan& stale = plans.at("04-stale-objects");
  CHECK(
      needs(stale, find_action(stale, "veth ends", "vo"), find_action(stale, "namespace", "old")));

  const Plan& gone = plans.at("07-ovs-port-interface-gone");
  std::size_t destroy = find_action(gone, "ovs port", "vr on ovs-g vlan 200", ReplaceHalf::Destroy);
  std::size_t create = find_action(gone, "ovs port", "vr on ovs-g vlan 200", ReplaceHalf::Create);
  std::size_t made = find_action(gone, "veth", "eth0 <-> vr");
  CHECK(needs(gone, create, destroy));
  CHECK(needs(gone, create, made));
  CHECK(needs(gone, made, destroy));

  const Plan& ovs = plans.at("08-ovs-empty-world");
  CHECK(needs(ovs, find_action(ovs, "ovs port", "vr on ovs-g vlan 200"),
              find_action(ovs, "ovs bridge", "ovs-g")));
  CHECK(needs(ovs, find_action(ovs, "ovs port", "vr on ovs-g vlan 200"),
              find_action(ovs, "veth", "eth0 <-> vr")));
}
