// --var NAME=VALUE, --vars FILE and NETLAB_VAR_NAME: the values of a
// topology's ${NAME}s. The environment is read only under the NETLAB_VAR_
// prefix (like Terraform's TF_VAR_): a topology from a pull request can name
// any variable, and must not be able to print the CI job's secrets into the
// plan or an error message by naming them.
#include <fstream>

#include "cli/context.hpp"
#include "parse/variables.hpp"

extern char** environ;

namespace netlab::cli {

namespace {

constexpr std::string_view kEnvPrefix = "NETLAB_VAR_";

// "NAME=VALUE" -> {NAME, VALUE}; why not, in `why`.
std::optional<std::pair<std::string, std::string>> split_assignment(const std::string& a,
                                                                    std::string& why) {
  auto eq = a.find('=');
  if (eq == std::string::npos) {
    why = "'" + a + "' is not NAME=VALUE";
    return std::nullopt;
  }
  std::string name = a.substr(0, eq);
  if (auto p = variable_name_problem(name); !p.empty()) {
    why = "variable name '" + name + "' " + p;
    return std::nullopt;
  }
  return std::pair{name, a.substr(eq + 1)};
}

// Each line of a --vars file: NAME=VALUE; blank lines and # comments skipped.
std::vector<std::string> assignments_in(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    out.push_back(line.substr(first));
  }
  return out;
}

}  // namespace

void add_variable_flags(CLI::App* cmd, std::vector<std::string>& assignments,
                        std::vector<std::string>& files) {
  cmd->add_option("--var", assignments,
                  "NAME=VALUE: the value of ${NAME} in the topology (repeatable; wins over "
                  "--vars and NETLAB_VAR_NAME)")
      ->check(CLI::Validator(
          [](std::string& a) {
            std::string why;
            return split_assignment(a, why) ? std::string() : why;
          },
          "NAME=VALUE"));
  cmd->add_option("--vars", files,
                  "a file of NAME=VALUE lines for the topology's ${NAME}s (repeatable)")
      ->check(CLI::ExistingFile)
      ->check(CLI::Validator(
          [](std::string& path) {
            std::size_t n = 0;
            for (const auto& a : assignments_in(path)) {
              ++n;
              std::string why;
              if (!split_assignment(a, why)) return path + ": " + why;
            }
            (void)n;
            return std::string();
          },
          "FILE"));
}

Variables collect_variables(const std::vector<std::string>& assignments,
                            const std::vector<std::string>& files) {
  Variables out;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    if (entry.rfind(kEnvPrefix, 0) != 0) continue;
    std::string why;
    if (auto kv = split_assignment(entry.substr(kEnvPrefix.size()), why))
      out[kv->first] = kv->second;
  }
  auto take = [&](const std::string& a) {
    std::string why;
    if (auto kv = split_assignment(a, why)) out[kv->first] = kv->second;
  };
  for (const auto& f : files)
    for (const auto& a : assignments_in(f)) take(a);
  for (const auto& a : assignments) take(a);
  return out;
}

}  // namespace netlab::cli
