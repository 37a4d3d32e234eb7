// netlab command line: a thin layer over the Lab facade.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli_reference.hpp"
#include "cli/context.hpp"

int main(int argc, char** argv) {
  using namespace netlab::cli;
  CLI::App app{"netlab: declarative network labs on Linux namespaces, veth, OVS and dnsmasq"};
  app.set_version_flag("--version", std::string("netlab ") + NETLAB_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand: netlab up topo.yaml -q
  Context ctx;
  int verbosity = 0;
  bool quiet = false;
  std::string color = "auto";
  app.add_flag("-v,--verbose", verbosity, "more output (repeatable)");
  app.add_flag("-q,--quiet", quiet, "only errors and results");
  app.add_option("--color", color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.parse_complete_callback([&] { ctx.reporter.configure(verbosity, quiet, color); });
  add_validate(app, ctx);
  add_graph(app, ctx);
  add_split(app, ctx);
  add_plan(app, ctx);
  add_up(app, ctx);
  add_down(app, ctx);
  add_status(app, ctx);
  add_ls(app, ctx);
  add_exec(app, ctx);
  add_logs(app, ctx);
  add_test(app, ctx);
  add_capture(app, ctx);
  // Hidden build steps: the man page and completion, from the definition above.
  if (auto generated = generate_docs(app, argc, argv)) return *generated;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0: CLI11 prints them.
    if (e.get_exit_code() == 0) return app.exit(e);
    ctx.reporter.error(usage_error_message(app, e, argc, argv));
    return kError;
  }
  return ctx.exit_code;
}
