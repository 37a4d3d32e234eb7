// The one place every resource family plans through: adding an action,
// collecting errors, the lab's ownership rule, what this run creates and
// deletes, and the live lookups. A family (src/plan/families.hpp) reads the
// desired and the live state and emits actions here; it knows nothing of the
// other families but what the builder records.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "netlab/desired_state.hpp"
#include "netlab/error.hpp"
#include "netlab/live_state.hpp"
#include "netlab/plan.hpp"

namespace netlab {

/// Why an object made outside netlab is in the plan with --adopt (Terraform's
/// `import`): from this run on it is the lab's, as if netlab had made it.
inline constexpr const char* kAdoptReason =
    "adopt: made outside netlab; the lab owns it from now on, and down removes it";

/// RTPROT_STATIC: the protocol of the routes netlab adds, and the only routes it manages.
inline constexpr int kRtprotStatic = 4;

/// "root namespace", "netns red": for messages.
std::string where(const std::string& ns);
/// "in the root namespace", "in netns red": for reasons.
std::string in_where(const std::string& ns);

ObjectRef ns_ref(const std::string& ns);
ObjectRef link_ref(const std::string& ns, const std::string& name);
ObjectRef ovs_bridge_ref(const std::string& name);
ObjectRef ovs_port_ref(const std::string& name);

/// A change that only brings a link up.
LinkChange up_change();

class PlanBuilder {
 public:
  /// Keeps references: desired, live and options must outlive the builder.
  PlanBuilder(const DesiredState& desired, const LiveState& live, const PlanOptions& options);

  const DesiredState& desired() const { return desired_; }
  const LiveState& live() const { return live_; }
  const PlanOptions& options() const { return options_; }
  const std::string& lab() const { return desired_.lab; }
  /// The mark ("netlab:<lab>") on the links of the lab.
  const std::string& alias() const { return alias_; }

  // ---- emitting ------------------------------------------------------------

  /// Adds an action. Its dependencies are not written here: finish()
  /// derives them from what the actions' operations make, use and destroy
  /// (derive_dependencies), so a family states only what to do.
  void add(Action action);
  /// Records an error; planning goes on, so that every error is reported at once.
  void error(ErrorKind kind, const std::string& message, const SourcePos& pos);

  /// The plan in execution order, each action with its dependencies, and the
  /// errors sorted by position. The plan holds every action that could be
  /// planned even when there are errors (`status` shows the drift of a lab
  /// with a conflict): a caller that applies must check ok() first.
  /// Call once, at the end.
  PlanResult finish();

  // ---- the live system -----------------------------------------------------

  /// The observed namespace ("" = root), or nullptr: absent or not observed.
  const NamespaceState* live_ns(const std::string& ns) const { return live_.kernel.find_ns(ns); }
  /// The observed link, or nullptr.
  const LinkState* live_link(const std::string& ns, const std::string& name) const {
    return live_.kernel.find_link(ns, name);
  }
  /// Whether the namespace exists and was observed (the root always does).
  bool ns_exists(const std::string& ns) const { return live_ns(ns) != nullptr; }

  // ---- ownership: the one rule of what the lab may touch ---------------------

  /// Whether the lab's mark is on a live link (its alias is alias()).
  bool marked(const LinkState& link) const { return link.alias == alias_; }
  /// Whether the lab's mark is on an OVS row (external_ids:netlab-lab).
  bool marked(const OvsPortState& port) const { return port.owner() == lab(); }
  bool marked(const OvsBridgeState& bridge) const { return bridge.owner() == lab(); }
  /// The lab's OVS port `name` (marked, on any bridge), or nullptr: none, another
  /// lab's, unmarked, or OVS was not read.
  const OvsPortState* ovs_port_of_lab(const std::string& name) const;
  /// Whether the lab may manage (configure, mark, replace) the live link
  /// `have` found where `want` is declared: it carries the lab's mark; or it
  /// is lo; or it is the device of the lab's OVS internal port (OVS makes it
  /// without a mark); or --adopt and it is nobody's (never another lab's); or
  /// it is unmarked but could only be the lab's (see unmarked_but_ours). When
  /// false, the link blocks the lab: a conflict.
  bool may_manage(const DesiredLink& want, const LinkState& have) const;

  // ---- what this run does to links ------------------------------------------

  /// Records that this plan creates (or makes anew) link `name` in `ns`:
  /// later families plan it as absent, and an OVS port on it is reopened.
  void creates_link(const std::string& ns, const std::string& name);
  /// Whether this plan creates link `name` in `ns`.
  bool link_is_created(const std::string& ns, const std::string& name) const;
  /// Records that this plan deletes link `name` in `ns`; false when it was
  /// recorded already (a veth pair is deleted once, from either end).
  bool deletes_link(const std::string& ns, const std::string& name);

 private:
  // A link without any mark that is still the lab's: what a create
  // interrupted before the alias was set leaves (the alias cannot be part of
  // the create request).
  bool unmarked_but_ours(const DesiredLink& want, const LinkState& have) const;

  const DesiredState& desired_;
  const LiveState& live_;
  const PlanOptions& options_;
  std::string alias_;
  std::vector<Action> actions_;
  std::vector<Error> errors_;
  std::set<std::pair<std::string, std::string>> created_;  ///< (namespace, link) this plan creates
  std::set<std::pair<std::string, std::string>> deleted_;  ///< (namespace, link) this plan deletes
};

}  // namespace netlab
