// netlab validate FILE...: every error of every file, or a summary line each.
#include "cli/context.hpp"
#include "netlab/parse.hpp"
#include "netlab/resource_graph.hpp"

namespace netlab::cli {

namespace {

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string summary(const Topology& t) {
  std::size_t ports = 0;
  for (const auto& b : t.bridges) ports += b.ports.size();
  for (const auto& l : t.links)
    ports += (t.find_bridge(l.a.owner) != nullptr) + (t.find_bridge(l.b.owner) != nullptr);
  return t.name + ": " + plural(t.namespaces.size(), "namespace", "namespaces") + ", " +
         plural(t.links.size(), "link", "links") + ", " +
         plural(t.bridges.size(), "bridge", "bridges") + ", " + plural(ports, "port", "ports") +
         ", " + plural(t.dhcp.size(), "DHCP server", "DHCP servers") + ", " +
         plural(t.tests.size(), "test", "tests");
}

}  // namespace

void add_validate(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("validate", "check topology files and print a summary of each");
  auto files = std::make_shared<std::vector<std::string>>();
  auto prefix = std::make_shared<std::string>();
  cmd->add_option("files", *files, "topology files")->required();
  cmd->add_option("--prefix", *prefix, "also check that the names fit with this prefix");
  cmd->callback([&ctx, files, prefix] {
    for (const auto& f : *files) {
      LoadResult r = load_topology(f);
      if (r.ok()) r.errors = build_resource_graph(*r.topology).check();
      if (r.ok() && !prefix->empty()) r.errors = apply_prefix(*r.topology, *prefix);
      if (!r.ok() || !r.errors.empty()) {
        for (const auto& e : r.errors) ctx.reporter.error(e);
        if (r.errors.empty()) ctx.reporter.error(f + ": invalid");
        ctx.exit_code = kError;
        continue;
      }
      ctx.reporter.out(summary(*r.topology) + "\n");
    }
  });
}

}  // namespace netlab::cli
