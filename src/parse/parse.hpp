// Topology files: YAML -> Topology, validation, --prefix.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/placement.hpp"
#include "netlab/error.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// The outcome of loading a file: the topology when there is no error, and
/// every error found (parse and validation together), sorted by position,
/// each as Error{InvalidTopology, message, FILE:LINE:COL}.
struct LoadResult {
  std::optional<Topology> topology;
  std::vector<Error> errors;
  bool ok() const { return topology.has_value() && errors.empty(); }
};

/// Values of the variables a topology may use in its scalar values:
/// ${NAME}, or ${NAME:-default} for one it may lack.
using Variables = std::map<std::string, std::string>;

/// Parses and validates `text`; `filename` is used in positions and, when the
/// file has no `name:`, its stem is the lab name. Never throws, never hangs.
/// ${NAME} and ${NAME:-default} in scalar values take their value from
/// `variables` (or the default); an undefined one is an error at its LINE:COL.
LoadResult parse_topology(std::string_view text, const std::string& filename);
LoadResult parse_topology(std::string_view text, const std::string& filename,
                          const Variables& variables);

/// The text of topology file `path`, read with the same size bound as the
/// parser's (a larger file yields kMaxBytes + 1 bytes, which parse_topology
/// refuses by size): a topology is never read whole into memory unbounded.
Result<std::string> read_topology_file(const std::string& path);

/// Reads `path` and parses it; an unreadable file is one error naming it.
LoadResult load_topology(const std::string& path, const Variables& variables = {});

/// `netlab split`: for each machine of a topology with machines:, its
/// file: the text unchanged plus a top-level `machine: NAME` appended (so
/// positions stay the original's), checked by parsing it again. Errors: the
/// file is invalid, declares no machines, already names its machine, or
/// cannot take the appended key (flow-style top level).
Result<std::vector<std::pair<std::string, std::string>>> split_by_machine(
    std::string_view text, const std::string& filename, const Variables& variables = {});

/// Every rule of the format document that needs the whole file (references,
/// duplicates, ranges inside subnets...). parse_topology already calls it.
std::vector<Error> validate_topology(const Topology& topology);

/// `conditions:` written as YAML, e.g. "{loss: 20%, rate: 10mbit}", checked
/// as in a file (positions name `where`); "" or "{}" is none (nullopt).
Result<std::optional<LinkConditions>> parse_conditions_text(std::string_view text,
                                                            const std::string& where);

/// Prefixes every namespace name and every root-namespace interface and bridge
/// name (links, ports, host.interfaces, nat.out, tests...) with `prefix`, and
/// the lab name with "<prefix>" too, so copies run side by side. A name that
/// would exceed 15 characters is an error naming it and suggesting a prefix
/// short enough.
std::vector<Error> apply_prefix(Topology& topology, const std::string& prefix);

}  // namespace netlab
