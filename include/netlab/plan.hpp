// Plans: desired state + live state -> ordered actions, each with its object,
// kind, reason, dependencies, and how to undo it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "netlab/daemon_spec.hpp"
#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/kernel.hpp"
#include "netlab/live_state.hpp"
#include "netlab/nat.hpp"
#include "netlab/ovs.hpp"

namespace netlab {

enum class ActionKind { Create, Modify, Delete, Replace };
const char* to_string(ActionKind kind);
/// "+", "~", "-", "-/+".
const char* symbol(ActionKind kind);

/// The steps of a plan, in order: only the key that sorts a plan's actions
/// (the order `plan` shows, a topological order of the dependencies). The
/// apply follows Action::deps (derive_dependencies), never the phase.
enum class Phase {
  StopDaemons = -1,  ///< daemons no longer wanted (before their namespaces go), NAT tables and
                     ///< interface sysctls to restore (before their interfaces go)
  Delete = 0,        ///< deletes of kernel objects
  Settle = 1,        ///< waits for links that vanish with their namespace (asynchronously)
  OvsDelete = 2,     ///< OVS rows of the lab no longer wanted: one transaction, after their
                     ///< devices are gone (measured: 10x faster with netdev than before)
  Namespaces = 3,    ///< namespace creation
  Links = 4,         ///< veth / bridge / vlan creation
  Ovs = 5,           ///< all OVS changes: one transaction
  Configure = 6,     ///< move internal ports, link attributes, addresses, routes, sysctls
  Servers = 7,       ///< NAT table, DHCP servers
  Clients = 8,       ///< DHCP clients (after their servers), waiting for their leases
  Services = 9,      ///< user services (after the network), waiting until ready
};

// The operations the executor knows. Each is one call on a seam.
namespace op {
struct CreateNamespace {
  std::string ns;
};
struct DeleteNamespace {
  std::string ns;
};
/// --adopt: records a namespace made outside netlab as the lab's, so that
/// later runs manage it and `down` removes it (Terraform's `import`).
struct AdoptNamespace {
  std::string ns;
};
/// The undo of AdoptNamespace: forgets the record, leaves the namespace.
struct ForgetNamespace {
  std::string ns;
};
struct CreateVeth {
  VethRequest req;
};
struct CreateBridge {
  std::string ns, name, alias;
};
struct CreateVlan {
  std::string ns, name, parent;
  int id = 0;
  std::string alias;
};
/// A link to another machine: this machine's end (VxlanRequest, alias set).
struct CreateVxlan {
  VxlanRequest req;
};
struct DeleteLink {
  std::string ns, name;
};
struct ChangeLink {
  std::string ns, name;
  LinkChange change;
};
struct MoveLink {
  std::string ns, name, to_ns;
};
struct AddAddress {
  std::string ns, ifname;
  IpPrefix address;
};
struct DeleteAddress {
  std::string ns, ifname;
  IpPrefix address;
};
struct AddRoute {
  std::string ns;
  RouteRequest route;
};
struct DeleteRoute {
  std::string ns;
  RouteRequest route;
};
struct WriteSysctl {
  std::string ns, key, value;
};
/// Part of the one OVS transaction of the apply.
struct Ovs {
  OvsTransaction txn;
};
/// Waits for links to vanish after a namespace deletion.
struct WaitLinksGone {
  std::string ns;
  std::vector<std::string> names;
};
/// Writes the daemon's files, records it, starts it (a client: and waits for its lease).
struct StartDaemon {
  DaemonSpec daemon;
};
/// Stops the daemon if it is ours (pid file, namespace, command line) and
/// removes its files, unless it is stopped to be restarted: a restarted
/// dnsmasq keeps its lease database, so clients keep their addresses.
struct StopDaemon {
  DaemonSpec daemon;
  bool restart = false;
};
/// Creates or replaces the lab's nftables table with these masquerade rules.
struct ApplyNat {
  std::string lab;
  std::vector<NatRule> rules;
};
struct RemoveNat {
  std::string lab;
};
/// Link conditions: sets (creates or replaces) the root qdisc of a link.
struct SetQdisc {
  std::string ns, name;
  RootQdisc qdisc;
};
/// Link conditions: deletes the lab's root qdisc of a link.
struct DeleteQdisc {
  std::string ns, name;
};
/// Link conditions without netem: drops `ppm` of what arrives on `device`
/// in `ns`, from a chain of the lab's netdev table there (loss.hpp).
struct SetLoss {
  std::string lab, ns, device;
  std::uint32_t ppm = 0;
};
/// Removes the drop of SetLoss (the table goes with its last chain).
struct ClearLoss {
  std::string lab, ns, device;
};
}  // namespace op

using Operation =
    std::variant<op::CreateNamespace, op::DeleteNamespace, op::AdoptNamespace, op::ForgetNamespace,
                 op::CreateVeth, op::CreateBridge, op::CreateVlan, op::CreateVxlan, op::DeleteLink,
                 op::ChangeLink, op::MoveLink, op::AddAddress, op::DeleteAddress, op::AddRoute,
                 op::DeleteRoute, op::WriteSysctl, op::Ovs, op::WaitLinksGone, op::StartDaemon,
                 op::StopDaemon, op::ApplyNat, op::RemoveNat, op::SetQdisc, op::DeleteQdisc,
                 op::SetLoss, op::ClearLoss>;

/// One-line description of an operation, e.g. "create veth eth0-r (netns red) <-> veth-r".
std::string describe(const Operation& operation);

/// An object of a lab, as plans act on it and `status` lists it.
struct ObjectRef {
  enum class Kind {
    Namespace,
    Link,
    OvsBridge,
    OvsPort,
    Route,
    Sysctl,
    Daemon,
    NatTable,
    Conditions  ///< what one end of a link does to its egress (name: the interface)
  };
  Kind kind = Kind::Namespace;
  std::string ns;    ///< "" = root (always "" for OVS rows and the NAT table)
  std::string name;  ///< e.g. "eth0", "default via 10.0.0.1", "net.ipv4.ip_forward", a daemon id
  bool operator==(const ObjectRef&) const = default;
};

/// A replace whose destroy and create must run in different phases (an OVS
/// port: the old row goes before its interface is made again, the new row
/// after) is two actions of kind Replace: the destroy half, then the create
/// half. Plans show and count the pair as one replace.
enum class ReplaceHalf { None, Destroy, Create };

struct Action {
  ActionKind kind = ActionKind::Create;
  ReplaceHalf half = ReplaceHalf::None;
  std::string resource;  ///< "namespace", "veth", "address", "ovs port", ...
  std::string ns;        ///< namespace the object lives in ("" = root)
  std::string object;    ///< e.g. "eth0-r", "10.0.0.1/24 on eth0-r", "net.ipv4.ip_forward"
  std::string reason;    ///< "missing", "tag 100 -> 200", "owned but no longer in topology"
  SourcePos pos;         ///< where the object is declared (unknown for stale objects)
  Phase phase = Phase::Configure;
  std::vector<Operation> ops;     ///< what to do, in order
  std::vector<Operation> undo;    ///< what restores the state before `ops`, in order
  std::vector<std::size_t> deps;  ///< indices of earlier actions this one needs (apply order)
  /// The objects it acts on (a veth pair: both ends). An address, a bridge
  /// port or the setup of an internal port acts on its link.
  std::vector<ObjectRef> subjects;
  std::string lane() const { return ns; }
  /// False for the destroy half of a split replace: the create half stands for both.
  bool shown() const { return half != ReplaceHalf::Destroy; }
};

struct Plan {
  std::string lab;
  std::vector<Action> actions;  ///< by phase, then plan order: a topological order of deps
  /// "Plan: 7 to add, 1 to change, 0 to destroy." (replace counts as add + destroy)
  std::string summary() const;
  bool empty() const { return actions.empty(); }
  /// Shown actions of this kind (a split replace counts once).
  std::size_t count(ActionKind kind) const;
};

struct PlanOptions {
  bool adopt = false;                        ///< take over unmarked objects that block the lab
  KernelCapabilities capabilities;           ///< checked against what the topology needs
  std::string ovs_datapath_auto = "netdev";  ///< what datapath: auto means here
};

/// desired + live -> plan. Errors: objects without the lab's mark that block
/// it (kind Conflict, naming the object and its source position), features
/// this kernel lacks (kind Unsupported). All such errors are returned at once,
/// and `plan` holds every action that could be planned even then (what
/// `status` shows as drift): check ok() before applying it.
struct PlanResult {
  Plan plan;
  std::vector<Error> errors;
  bool ok() const { return errors.empty(); }
};
PlanResult make_plan(const DesiredState& desired, const LiveState& live,
                     const PlanOptions& options);

/// A route as plans and `status` name it: "default via 10.0.0.1",
/// "10.9.0.0/24 via 10.0.0.254 dev eth0".
std::string route_name(const RouteRequest& route);
/// Whether a live route is the wanted one: a static route (as netlab adds
/// them) to the same network, by the same gateway, and the same device if one is wanted.
bool route_matches(const RouteRequest& want, const RouteState& have);

/// The plan as Terraform prints it: grouped by namespace, one line per object.
std::string format_plan(const Plan& plan);
/// What applying a plan that removes a lab did: "4 objects removed, 1 setting
/// restored" (a host sysctl set back to its value from before the lab is `~`).
std::string removal_summary(const Plan& plan);
/// "+ route default via 10.0.0.1 (missing)": one action, as `plan` and `status` show it.
std::string format_action(const Action& action);

}  // namespace netlab
