#include "support/ovs_contract.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

namespace netlab::testing {
namespace {

constexpr std::chrono::milliseconds kTimeout{10000};

/// Names of the call's bridges, ports and devices; removes the bridges and
/// devices when it goes out of scope (ports go with their bridges).
class Names {
 public:
  Names(OvsWorld& w, const std::string& prefix) : w_(w), prefix_(prefix) {}
  ~Names() {
    for (const auto& b : bridges_) w_.remove_bridge(b);
    for (const auto& d : devices_) w_.remove_device(d);
  }
  Names(const Names&) = delete;
  Names& operator=(const Names&) = delete;
  std::string bridge(const std::string& suffix) {
    bridges_.push_back(name(suffix));
    return bridges_.back();
  }
  std::string device(const std::string& suffix) {
    devices_.push_back(name(suffix));
    return devices_.back();
  }
  std::string name(const std::string& suffix) const {
    REQUIRE(prefix_.size() + suffix.size() <= 14);  // a veth peer adds one character
    return prefix_ + suffix;
  }
  std::string lab(const std::string& suffix) const { return "ct" + suffix + "-" + prefix_; }

 private:
  OvsWorld& w_;
  std::string prefix_;
  std::vector<std::string> bridges_, devices_;
};

OvsTransaction txn(const std::string& lab) {
  OvsTransaction t;
  t.lab = lab;
  return t;
}

void apply_ok(Ovs& ovs, const OvsTransaction& t) {
  Status st = ovs.apply(t, kTimeout);
  INFO((st.ok() ? std::string() : st.error().str()));
  REQUIRE(st.ok());
}

Error apply_fails(Ovs& ovs, const OvsTransaction& t) {
  Status st = ovs.apply(t, kTimeout);
  REQUIRE_FALSE(st.ok());
  return st.error();
}

OvsState seen(Ovs& ovs) {
  auto s = ovs.observe();
  INFO((s.ok() ? std::string() : s.error().str()));
  REQUIRE(s.ok());
  return *s;
}

/// How often a port named `name` shows in the whole state.
int port_count(const OvsState& s, const std::string& name) {
  int n = 0;
  for (const auto& b : s.bridges)
    for (const auto& p : b.ports) n += p.name == name;
  return n;
}

/// The owner marks of a bridge and its ports, for "nothing changed" checks.
std::vector<std::string> marks_of(const OvsState& s, const std::string& bridge) {
  std::vector<std::string> out;
  const OvsBridgeState* b = s.find_bridge(bridge);
  if (!b) return out;
  out.push_back(b->name + "=" + b->owner());
  for (const auto& p : b->ports)
    out.push_back(p.name + "=" + p.owner() + " tag " + (p.tag ? std::to_string(*p.tag) : "-"));
  std::sort(out.begin() + 1, out.end());
  return out;
}

}  // namespace

void ovs_contract_create_bridge_and_ports(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("c"), br = n.bridge("b"), tap = n.name("t"), dev = n.device("v");
  w.add_device(dev);
  OvsTransaction add = txn(lab);
  add.add_bridges.push_back({br, "netdev"});
  add.add_ports.push_back({br, tap, true, 100, {}});
  add.add_ports.push_back({br, dev, false, std::nullopt, {20, 10}});
  apply_ok(ovs, add);

  OvsState s = seen(ovs);
  const OvsBridgeState* b = s.find_bridge(br);
  REQUIRE(b);
  CHECK(b->owner() == lab);
  CHECK(b->datapath_type == "netdev");
  CHECK_FALSE(b->uuid.empty());
  REQUIRE(b->ports.size() == 3);  // with the bridge's own internal port
  const OvsPortState* local = b->find_port(br);
  REQUIRE(local);
  CHECK(local->type == "internal");
  CHECK(local->owner() == lab);
  CHECK(local->ofport == 65534);  // OFPP_LOCAL
  const OvsPortState* t = b->find_port(tap);
  REQUIRE(t);
  CHECK(t->type == "internal");
  CHECK(t->tag == 100);
  CHECK(t->trunks.empty());
  CHECK(t->owner() == lab);
  CHECK(t->ofport > 0);
  CHECK(t->error.empty());
  const OvsPortState* d = b->find_port(dev);
  REQUIRE(d);
  CHECK(d->type == "");
  CHECK_FALSE(d->tag);
  CHECK(d->trunks == std::vector<int>{10, 20});
  CHECK(d->ofport > 0);
  CHECK(d->ofport != t->ofport);
  CHECK(d->error.empty());
  CHECK_FALSE(d->port_uuid.empty());
  CHECK_FALSE(d->interface_uuid.empty());
  CHECK(d->port_uuid != t->port_uuid);
  CHECK(port_count(s, tap) == 1);
  CHECK(s.bridge_of_port(dev) == b);
  // An empty transaction changes nothing and succeeds.
  apply_ok(ovs, txn(lab));
  CHECK(marks_of(seen(ovs), br) == marks_of(s, br));
}

void ovs_contract_vlan_changes(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("v"), br = n.bridge("b"), p = n.name("p");
  OvsTransaction add = txn(lab);
  add.add_bridges.push_back({br, "netdev"});
  add.add_ports.push_back({br, p, true, 100, {}});
  apply_ok(ovs, add);
  const std::string uuid = seen(ovs).find_bridge(br)->find_port(p)->port_uuid;

  OvsTransaction retag = txn(lab);
  retag.set_vlans.push_back({p, 300, {}});
  apply_ok(ovs, retag);
  OvsState s = seen(ovs);
  CHECK(s.find_bridge(br)->find_port(p)->tag == 300);
  CHECK(s.find_bridge(br)->find_port(p)->port_uuid == uuid);

  OvsTransaction trunk = txn(lab);
  trunk.set_vlans.push_back({p, std::nullopt, {30, 5}});
  apply_ok(ovs, trunk);
  s = seen(ovs);
  CHECK_FALSE(s.find_bridge(br)->find_port(p)->tag);
  CHECK(s.find_bridge(br)->find_port(p)->trunks == std::vector<int>{5, 30});
  CHECK(s.find_bridge(br)->find_port(p)->port_uuid == uuid);

  OvsTransaction untag = txn(lab);
  untag.set_vlans.push_back({p, std::nullopt, {}});
  apply_ok(ovs, untag);
  s = seen(ovs);
  CHECK_FALSE(s.find_bridge(br)->find_port(p)->tag);
  CHECK(s.find_bridge(br)->find_port(p)->trunks.empty());

  // A VLAN change of a missing port fails the whole transaction.
  OvsTransaction missing = txn(lab);
  missing.set_vlans.push_back({p, 7, {}});
  missing.set_vlans.push_back({n.name("x"), 8, {}});
  Error e = apply_fails(ovs, missing);
  CHECK(e.kind == ErrorKind::Ovs);
  CHECK_THAT(e.message, Catch::Contains(n.name("x")));
  CHECK_FALSE(seen(ovs).find_bridge(br)->find_port(p)->tag);
}

void ovs_contract_deletes(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("d"), br = n.bridge("b"), p1 = n.name("p1"), p2 = n.name("p2");
  OvsTransaction add = txn(lab);
  add.add_bridges.push_back({br, "netdev"});
  add.add_ports.push_back({br, p1, true, std::nullopt, {}});
  add.add_ports.push_back({br, p2, true, 5, {}});
  apply_ok(ovs, add);

  OvsTransaction del_port = txn(lab);
  del_port.del_ports.push_back({br, p1});
  apply_ok(ovs, del_port);
  OvsState s = seen(ovs);
  REQUIRE(s.find_bridge(br));
  CHECK(port_count(s, p1) == 0);
  CHECK(port_count(s, p2) == 1);
  CHECK(s.find_bridge(br)->ports.size() == 2);
  apply_ok(ovs, del_port);  // already gone

  OvsTransaction del_bridge = txn(lab);
  del_bridge.del_bridges.push_back(br);
  apply_ok(ovs, del_bridge);
  s = seen(ovs);
  CHECK_FALSE(s.find_bridge(br));
  CHECK(port_count(s, p2) == 0);
  CHECK(port_count(s, br) == 0);
  apply_ok(ovs, del_bridge);  // already gone
  OvsTransaction both = txn(lab);
  both.del_bridges.push_back(br);
  both.del_ports.push_back({br, p2});
  apply_ok(ovs, both);
}

void ovs_contract_ownership_guards(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("g"), other = n.lab("o");
  const std::string fb = n.bridge("fb"), fp = n.name("fp"), ob = n.bridge("ob"), op = n.name("op"),
                    intruder = n.name("in"), xb = n.bridge("xb"), xp = n.name("xp");
  w.add_foreign_bridge(fb);
  w.add_foreign_port(fb, fp);
  OvsTransaction theirs = txn(other);
  theirs.add_bridges.push_back({xb, "netdev"});
  theirs.add_ports.push_back({xb, xp, true, 9, {}});
  apply_ok(ovs, theirs);
  OvsState before = seen(ovs);
  REQUIRE(before.find_bridge(fb));
  CHECK(before.find_bridge(fb)->owner().empty());
  CHECK(before.find_bridge(fb)->find_port(fp)->owner().empty());

  struct Attempt {
    OvsTransaction t;
    std::string names;  ///< the row the error must name
  };
  std::vector<Attempt> attempts;
  auto attempt = [&](const std::string& what) -> OvsTransaction& {
    attempts.push_back({txn(lab), what});
    return attempts.back().t;
  };
  attempt("bridge " + fb).del_bridges.push_back(fb);
  attempt("port " + fp).del_ports.push_back({fb, fp});
  attempt("bridge " + fb).add_ports.push_back({fb, n.name("mi"), true, std::nullopt, {}});
  attempt("port " + fp).set_vlans.push_back({fp, 3, {}});
  attempt("bridge " + xb).del_bridges.push_back(xb);
  attempt("port " + xp).set_vlans.push_back({xp, 4, {}});
  attempt("bridge " + fb).disown_bridges.push_back(fb);
  attempt("port " + xp).disown_ports.push_back(xp);
  for (auto& a : attempts) {
    // Each refused change comes with one that would succeed: none happens.
    a.t.add_bridges.push_back({n.name("nb"), "netdev"});
    Error e = apply_fails(ovs, a.t);
    INFO(e.message);
    CHECK(e.kind == ErrorKind::Conflict);
    CHECK_THAT(e.message, Catch::Contains(a.names));
    CHECK_THAT(e.message, Catch::Contains("not owned by lab '" + lab + "'"));
  }
  OvsState after = seen(ovs);
  CHECK_FALSE(after.find_bridge(n.name("nb")));
  CHECK(port_count(after, n.name("mi")) == 0);
  CHECK(marks_of(after, fb) == marks_of(before, fb));
  CHECK(marks_of(after, xb) == marks_of(before, xb));

  // The lab's own bridge with a port someone added by hand: not deleted.
  OvsTransaction add = txn(lab);
  add.add_bridges.push_back({ob, "netdev"});
  add.add_ports.push_back({ob, op, true, std::nullopt, {}});
  apply_ok(ovs, add);
  w.add_foreign_port(ob, intruder);
  OvsTransaction del = txn(lab);
  del.del_bridges.push_back(ob);
  Error e = apply_fails(ovs, del);
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK_THAT(e.message, Catch::Contains("port " + intruder));
  after = seen(ovs);
  REQUIRE(after.find_bridge(ob));
  CHECK(after.find_bridge(ob)->find_port(intruder));
  CHECK(after.find_bridge(ob)->find_port(op));
  // Its own port on it still goes.
  OvsTransaction del_op = txn(lab);
  del_op.del_ports.push_back({ob, op});
  apply_ok(ovs, del_op);
  CHECK(port_count(seen(ovs), op) == 0);
}

void ovs_contract_adopt_disown(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("a"), other = n.lab("o");
  const std::string fb = n.bridge("fb"), fp = n.name("fp"), xb = n.bridge("xb");
  w.add_foreign_bridge(fb);
  w.add_foreign_port(fb, fp);
  OvsTransaction theirs = txn(other);
  theirs.add_bridges.push_back({xb, "netdev"});
  apply_ok(ovs, theirs);

  // Adopted, the rows are the lab's in the same transaction: a tag change may follow.
  OvsTransaction adopt = txn(lab);
  adopt.adopt_bridges.push_back(fb);
  adopt.adopt_ports.push_back(fp);
  adopt.set_vlans.push_back({fp, 42, {}});
  apply_ok(ovs, adopt);
  OvsState s = seen(ovs);
  REQUIRE(s.find_bridge(fb));
  CHECK(s.find_bridge(fb)->owner() == lab);
  CHECK(s.find_bridge(fb)->find_port(fp)->owner() == lab);
  CHECK(s.find_bridge(fb)->find_port(fp)->tag == 42);
  // The bridge's own port was not adopted.
  CHECK(s.find_bridge(fb)->find_port(fb)->owner().empty());
  // Adopting again is no error.
  OvsTransaction again = txn(lab);
  again.adopt_ports.push_back(fp);
  apply_ok(ovs, again);

  // Disown: the mark comes off, the rows stay.
  OvsTransaction disown = txn(lab);
  disown.disown_bridges.push_back(fb);
  disown.disown_ports.push_back(fp);
  apply_ok(ovs, disown);
  s = seen(ovs);
  REQUIRE(s.find_bridge(fb));
  CHECK(s.find_bridge(fb)->owner().empty());
  REQUIRE(s.find_bridge(fb)->find_port(fp));
  CHECK(s.find_bridge(fb)->find_port(fp)->owner().empty());
  CHECK(s.find_bridge(fb)->find_port(fp)->tag == 42);
  // Disowning what is gone is nothing.
  OvsTransaction gone = txn(lab);
  gone.disown_bridges.push_back(n.name("zz"));
  gone.disown_ports.push_back(n.name("zp"));
  apply_ok(ovs, gone);

  // Another lab's row is not adopted; a missing one cannot be.
  OvsTransaction steal = txn(lab);
  steal.adopt_bridges.push_back(xb);
  Error e = apply_fails(ovs, steal);
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK_THAT(e.message, Catch::Contains("bridge " + xb));
  CHECK_THAT(e.message, Catch::Contains("it belongs to lab '" + other + "'"));
  CHECK(seen(ovs).find_bridge(xb)->owner() == other);
  OvsTransaction missing = txn(lab);
  missing.adopt_ports.push_back(n.name("np"));
  e = apply_fails(ovs, missing);
  CHECK(e.kind == ErrorKind::Ovs);
  CHECK_THAT(e.message, Catch::Contains(n.name("np")));
}

void ovs_contract_port_without_device(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("n"), br = n.bridge("b"), ghost = n.name("g1"),
                    ghost2 = n.name("g2"), tap = n.name("t");
  OvsTransaction add = txn(lab);
  add.add_bridges.push_back({br, "netdev"});
  add.add_ports.push_back({br, tap, true, std::nullopt, {}});
  add.add_ports.push_back({br, ghost, false, 100, {}});
  add.add_ports.push_back({br, ghost2, false, std::nullopt, {}});
  Error e = apply_fails(ovs, add);
  CHECK(e.kind == ErrorKind::Ovs);
  CHECK_THAT(e.message,
             Catch::StartsWith("ovs-vswitchd could not add interface " + ghost + " to bridge " +
                               br + ": could not open network device " + ghost));
  CHECK_THAT(e.message, Catch::EndsWith("(and 1 more: " + ghost2 + ")"));
  // Committed all the same (the caller rolls back): the port is there, without an OpenFlow port.
  OvsState s = seen(ovs);
  REQUIRE(s.find_bridge(br));
  const OvsPortState* g = s.find_bridge(br)->find_port(ghost);
  REQUIRE(g);
  CHECK(g->ofport == -1);
  CHECK_THAT(g->error, Catch::Contains("could not open network device " + ghost));
  CHECK(g->owner() == lab);
  CHECK(g->tag == 100);
  CHECK(s.find_bridge(br)->find_port(ghost2)->ofport == -1);
  CHECK(s.find_bridge(br)->find_port(tap)->ofport > 0);
  CHECK(s.find_bridge(br)->find_port(tap)->error.empty());
  // The rollback removes it.
  OvsTransaction undo = txn(lab);
  undo.del_ports.push_back({br, ghost});
  undo.del_ports.push_back({br, ghost2});
  apply_ok(ovs, undo);
  CHECK(port_count(seen(ovs), ghost) == 0);
}

void ovs_contract_duplicate_creates(OvsWorld& w, const std::string& prefix) {
  Names n(w, prefix);
  Ovs& ovs = w.ovs();
  const std::string lab = n.lab("u"), b1 = n.bridge("b1"), b2 = n.bridge("b2"), p = n.name("p");
  OvsTransaction add = txn(lab);
  add.add_bridges.push_back({b1, "netdev"});
  add.add_ports.push_back({b1, p, true, std::nullopt, {}});
  apply_ok(ovs, add);
  OvsState before = seen(ovs);

  // The same bridge again, with a new port: neither happens.
  OvsTransaction dup_bridge = txn(lab);
  dup_bridge.add_bridges.push_back({b1, "netdev"});
  dup_bridge.add_ports.push_back({b1, n.name("q"), true, std::nullopt, {}});
  Error e = apply_fails(ovs, dup_bridge);
  CHECK(e.kind == ErrorKind::Ovs);
  CHECK_THAT(e.message, Catch::Contains("constraint violation"));
  CHECK_THAT(e.message, Catch::Contains(b1));

  // A port name taken on another bridge: the new bridge is not made either.
  OvsTransaction dup_port = txn(lab);
  dup_port.add_bridges.push_back({b2, "netdev"});
  dup_port.add_ports.push_back({b2, p, true, std::nullopt, {}});
  e = apply_fails(ovs, dup_port);
  CHECK(e.kind == ErrorKind::Ovs);
  CHECK_THAT(e.message, Catch::StartsWith("ovsdb transact (add port " + p + " to " + b2 +
                                          "): constraint violation"));
  // A port of a bridge that neither exists nor is added.
  OvsTransaction orphan = txn(lab);
  orphan.add_ports.push_back({n.name("nob"), n.name("o"), true, std::nullopt, {}});
  e = apply_fails(ovs, orphan);
  CHECK(e.kind == ErrorKind::Ovs);
  CHECK_THAT(e.message, Catch::Contains("does not exist"));

  OvsState after = seen(ovs);
  CHECK_FALSE(after.find_bridge(b2));
  CHECK(port_count(after, n.name("q")) == 0);
  CHECK(port_count(after, p) == 1);
  CHECK(marks_of(after, b1) == marks_of(before, b1));
}

void ovs_contract_all(OvsWorld& w, const std::string& prefix) {
  ovs_contract_create_bridge_and_ports(w, prefix);
  ovs_contract_vlan_changes(w, prefix);
  ovs_contract_deletes(w, prefix);
  ovs_contract_ownership_guards(w, prefix);
  ovs_contract_adopt_disown(w, prefix);
  ovs_contract_port_without_device(w, prefix);
  ovs_contract_duplicate_creates(w, prefix);
}

}  // namespace netlab::testing
