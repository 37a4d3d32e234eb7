// netlab graph FILE [--format dot|mermaid]: the topology as a picture.
#include "cli/context.hpp"
#include "model/render.hpp"
#include "parse/parse.hpp"

namespace netlab::cli {

void add_graph(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("graph", "print the topology as a Graphviz DOT or Mermaid graph");
  auto file = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("dot");
  auto vars = std::make_shared<std::pair<std::vector<std::string>, std::vector<std::string>>>();
  cmd->add_option("file", *file, "topology file")->required();
  cmd->add_option("--format", *format, "dot (render with: dot -Tpng) or mermaid")
      ->check(CLI::IsMember({"dot", "mermaid"}))
      ->capture_default_str();
  add_variable_flags(cmd, vars->first, vars->second);
  cmd->callback([&ctx, file, format, vars] {
    LoadResult r = load_topology(*file, collect_variables(vars->first, vars->second));
    if (!r.ok()) {
      for (const auto& e : r.errors) ctx.reporter.error(e);
      ctx.exit_code = kError;
      return;
    }
    ctx.reporter.out(*format == "dot" ? render_dot(*r.topology) : render_mermaid(*r.topology));
  });
}

}  // namespace netlab::cli
