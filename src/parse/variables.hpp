// ${NAME} and ${NAME:-default} in a topology's scalar values, so that copies
// of one file can differ in more than names (a copy's subnet from a variable).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "netlab/error.hpp"
#include "parse/yaml_tree.hpp"

namespace netlab {

/// Replaces every ${NAME} and ${NAME:-default} in the scalar values (not the
/// keys) of `root` with the value of NAME in `values`, or the default. "$${"
/// is a literal "${"; any other "$" stays as written: there is no command
/// substitution and no other expansion. A reference to an undefined NAME
/// without a default, or a malformed one, is an error at its LINE:COL.
void expand_variables(yaml::Node& root, const std::map<std::string, std::string>& values,
                      std::vector<Error>& errors);

/// Why `name` cannot name a variable ([A-Za-z_][A-Za-z0-9_]*), or "".
std::string variable_name_problem(const std::string& name);

}  // namespace netlab
