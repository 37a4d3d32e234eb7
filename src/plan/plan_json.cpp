#include "plan/plan_json.hpp"

namespace netlab {

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::StopDaemons:
      return "stop-daemons";
    case Phase::OvsDelete:
      return "ovs-delete";
    case Phase::Delete:
      return "delete";
    case Phase::Settle:
      return "settle";
    case Phase::Namespaces:
      return "namespaces";
    case Phase::Links:
      return "links";
    case Phase::Ovs:
      return "ovs";
    case Phase::Configure:
      return "configure";
    case Phase::Servers:
      return "servers";
    case Phase::Clients:
      return "clients";
    case Phase::Services:
      return "services";
  }
  return "?";
}

// "depends_on" is Action::deps: exactly the edges the executor obeys.
nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json actions = nlohmann::json::array();
  for (std::size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& o : a.ops) ops.push_back(describe(o));
    // The two halves of a split replace (destroy, then create) are two steps:
    // both are listed, and the summary counts them once.
    nlohmann::json half = nullptr;
    if (a.half == ReplaceHalf::Destroy) half = "destroy";
    if (a.half == ReplaceHalf::Create) half = "create";
    nlohmann::json pos = nullptr;
    if (a.pos.known()) pos = {{"file", a.pos.file}, {"line", a.pos.line}, {"column", a.pos.column}};
    actions.push_back({{"index", i},
                       {"action", to_string(a.kind)},
                       {"replace_half", half},
                       {"resource", a.resource},
                       {"namespace", a.ns.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.ns)},
                       {"object", a.object},
                       {"reason", a.reason},
                       {"phase", to_string(a.phase)},
                       {"position", pos},
                       {"depends_on", a.deps},
                       {"operations", ops}});
  }
  std::size_t add = plan.count(ActionKind::Create) + plan.count(ActionKind::Replace);
  std::size_t destroy = plan.count(ActionKind::Delete) + plan.count(ActionKind::Replace);
  return {
      {"format_version", 1},
      {"lab", plan.lab},
      {"summary", {{"add", add}, {"change", plan.count(ActionKind::Modify)}, {"destroy", destroy}}},
      {"actions", actions}};
}

}  // namespace netlab
