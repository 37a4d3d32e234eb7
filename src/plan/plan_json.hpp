// The plan as JSON (`netlab plan -o json`). Schema, version 1:
// {
//   "format_version": 1, "lab": "demo02",
//   "summary": {"add": N, "change": N, "destroy": N},
//   "actions": [{"index": 0, "action": "create|modify|delete|replace",
//                "resource": "veth", "namespace": "red" | null, "object": "...",
//                "reason": "missing", "phase": "links",
//                "position": {"file": "...", "line": 12, "column": 7} | null,
//                "depends_on": [indices], "operations": ["create veth ..."]}]
// }
#pragma once

#include <nlohmann/json.hpp>

#include "netlab/plan.hpp"

namespace netlab {

nlohmann::json plan_to_json(const Plan& plan);
const char* to_string(Phase phase);

}  // namespace netlab
