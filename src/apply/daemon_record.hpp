// DaemonSpec <-> JSON, for the state directory's daemons.json.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "netlab/daemon_spec.hpp"

namespace netlab {

nlohmann::json daemon_to_json(const DaemonSpec& spec);
std::optional<DaemonSpec> daemon_from_json(const nlohmann::json& j);

}  // namespace netlab
