// The shared OVS contract (tests/support/ovs_contract.hpp), run against the
// real ovsdb-server / ovs-vswitchd (root, datapath_type=netdev): the same
// checks the FakeOvs passes. Each case names its bridges and devices after a
// name unique to it and removes them even when a check fails; OVS itself is
// never restarted.
#include "support/ovs_contract.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "netlab/ovs.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

namespace t = netlab::testing;

void vsctl(std::vector<std::string> args) {
  args.insert(args.begin(), {"ovs-vsctl", "--timeout=10"});
  auto out = t::run_both(args);
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
}

/// Rows made outside netlab with ovs-vsctl, devices with ip.
struct RealOvsWorld final : t::OvsWorld {
  std::unique_ptr<Ovs> client = make_ovsdb_client();
  RealOvsWorld() {
    REQUIRE(geteuid() == 0);
    Status s = client->check_available();
    INFO((s ? std::string() : s.error().message));
    REQUIRE(s.ok());
  }
  Ovs& ovs() override { return *client; }
  void add_foreign_bridge(const std::string& name) override {
    vsctl({"add-br", name, "--", "set", "bridge", name, "datapath_type=netdev"});
  }
  void add_foreign_port(const std::string& bridge, const std::string& name) override {
    vsctl({"add-port", bridge, name, "--", "set", "interface", name, "type=internal"});
  }
  void add_device(const std::string& name) override {
    // A veth pair: the peer takes the name with a "p" added.
    REQUIRE(
        t::run({"ip", "link", "add", name, "type", "veth", "peer", "name", name + "p"}).exit_code ==
        0);
    REQUIRE(t::run({"ip", "link", "set", name, "up"}).exit_code == 0);
  }
  void remove_bridge(const std::string& name) override {
    t::run({"ovs-vsctl", "--timeout=10", "--if-exists", "del-br", name});
  }
  void remove_device(const std::string& name) override { t::remove_link("", name); }
};

#define NETLAB_OVS_CONTRACT_CASE(fn)                                   \
  TEST_CASE("real OVS honours " #fn, "[integration][ovs][contract]") { \
    RealOvsWorld w;                                                    \
    t::fn(w, t::unique_name());                                        \
  }

NETLAB_OVS_CONTRACT_CASE(ovs_contract_create_bridge_and_ports)
NETLAB_OVS_CONTRACT_CASE(ovs_contract_vlan_changes)
NETLAB_OVS_CONTRACT_CASE(ovs_contract_deletes)
NETLAB_OVS_CONTRACT_CASE(ovs_contract_ownership_guards)
NETLAB_OVS_CONTRACT_CASE(ovs_contract_adopt_disown)
NETLAB_OVS_CONTRACT_CASE(ovs_contract_port_without_device)
NETLAB_OVS_CONTRACT_CASE(ovs_contract_duplicate_creates)

}  // namespace
}  // namespace netlab
