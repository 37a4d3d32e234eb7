// netlab validate FILE...: every error of every file, or a summary line each
// (-o json: both as one document, schema/output/validate.schema.json).
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "model/resource_graph.hpp"
#include "parse/parse.hpp"

namespace netlab::cli {

namespace {

struct Counts {
  std::size_t namespaces, links, bridges, ports, dhcp_servers, tests;
};

Counts count(const Topology& t) {
  std::size_t ports = 0;
  for (const auto& b : t.bridges) ports += b.ports.size();
  for (const auto& l : t.links)
    ports += (t.find_bridge(l.a.owner) != nullptr) + (t.find_bridge(l.b.owner) != nullptr);
  return {t.namespaces.size(), t.links.size(), t.bridges.size(), ports,
          t.dhcp.size(),       t.tests.size()};
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string summary(const Topology& t) {
  Counts c = count(t);
  return t.name + ": " + plural(c.namespaces, "namespace", "namespaces") + ", " +
         plural(c.links, "link", "links") + ", " + plural(c.bridges, "bridge", "bridges") + ", " +
         plural(c.ports, "port", "ports") + ", " +
         plural(c.dhcp_servers, "DHCP server", "DHCP servers") + ", " +
         plural(c.tests, "test", "tests");
}

nlohmann::json error_json(const Error& e, const std::string& file) {
  auto or_null = [](int n) { return n > 0 ? nlohmann::json(n) : nlohmann::json(nullptr); };
  return {{"file", e.where.file.empty() ? file : e.where.file},
          {"line", or_null(e.where.line)},
          {"column", or_null(e.where.column)},
          {"kind", to_string(e.kind)},
          {"message", e.message}};
}

nlohmann::json file_json(const std::string& file, const LoadResult& r) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : r.errors) errors.push_back(error_json(e, file));
  bool valid = r.ok();
  if (!valid && errors.empty())
    errors.push_back({{"file", file},
                      {"line", nullptr},
                      {"column", nullptr},
                      {"kind", to_string(ErrorKind::InvalidTopology)},
                      {"message", "invalid"}});
  nlohmann::json summary = nullptr;
  if (valid) {
    Counts c = count(*r.topology);
    summary = {{"namespaces", c.namespaces},     {"links", c.links},
               {"bridges", c.bridges},           {"ports", c.ports},
               {"dhcp_servers", c.dhcp_servers}, {"tests", c.tests}};
  }
  return {{"file", file},
          {"valid", valid},
          {"lab", valid ? nlohmann::json(r.topology->name) : nlohmann::json(nullptr)},
          {"summary", summary},
          {"errors", errors}};
}

}  // namespace

void add_validate(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("validate", "check topology files and print a summary of each");
  struct Opts {
    std::vector<std::string> files;
    std::string prefix, output = "text";
    std::vector<std::string> var_assignments, var_files;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("files", o->files, "topology files")->required();
  cmd->add_option("--prefix", o->prefix, "also check that the names fit with this prefix");
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  add_variable_flags(cmd, o->var_assignments, o->var_files);
  cmd->callback([&ctx, o] {
    nlohmann::json files = nlohmann::json::array();
    const Variables variables = collect_variables(o->var_assignments, o->var_files);
    for (const auto& f : o->files) {
      LoadResult r = load_topology(f, variables);
      if (r.ok()) r.errors = build_resource_graph(*r.topology).check();
      if (r.ok() && !o->prefix.empty()) r.errors = apply_prefix(*r.topology, o->prefix);
      if (!r.ok()) ctx.exit_code = kError;
      if (o->output == "json") {
        files.push_back(file_json(f, r));
        continue;
      }
      if (!r.ok()) {
        for (const auto& e : r.errors) ctx.reporter.error(e);
        if (r.errors.empty()) ctx.reporter.error(f + ": invalid");
        continue;
      }
      ctx.reporter.out(summary(*r.topology) + "\n");
    }
    if (o->output == "json") {
      nlohmann::json j{{"format_version", 1}, {"valid", ctx.exit_code == kOk}, {"files", files}};
      ctx.reporter.out(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
  });
}

}  // namespace netlab::cli
