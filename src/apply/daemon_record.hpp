// DaemonSpec <-> JSON, for the state directory's daemons.json.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "netlab/daemon_spec.hpp"
#include "netlab/error.hpp"

namespace netlab {

nlohmann::json daemon_to_json(const DaemonSpec& spec);
std::optional<DaemonSpec> daemon_from_json(const nlohmann::json& j);

/// The daemons recorded in `text`, the content of the file `path` (""
/// when it does not exist: no daemons), by id. Errors: the file is not a
/// list of daemon records (a damaged record would hide a daemon the lab
/// started, which nothing else finds): the message names the file and what
/// to do.
Result<std::map<std::string, DaemonSpec>> daemons_from_text(const std::string& text,
                                                            const std::string& path);

}  // namespace netlab
