// netlab split FILE -o DIR: one topology per machine (DIR/NAME.yaml), for
// engines that distribute files; `netlab up DIR/NAME.yaml` on that machine
// runs its share without --machine.
#include <filesystem>
#include <fstream>

#include "cli/context.hpp"

namespace netlab::cli {

void add_split(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "split", "write one topology per machine of a lab that spans machines (DIR/MACHINE.yaml)");
  struct Opts {
    std::string file, dir;
    std::vector<std::string> var_assignments, var_files;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("file", o->file, "topology file with a machines: section")->required();
  cmd->add_option("-o,--output-dir", o->dir, "directory to write MACHINE.yaml files into")
      ->required();
  add_variable_flags(cmd, o->var_assignments, o->var_files);
  cmd->callback([&ctx, o] {
    auto text = read_topology_file(o->file);
    if (!text.ok()) {
      ctx.reporter.error(text.error());
      ctx.exit_code = kError;
      return;
    }
    auto shares =
        split_by_machine(*text, o->file, collect_variables(o->var_assignments, o->var_files));
    if (!shares.ok()) {
      ctx.reporter.error(shares.error());
      ctx.exit_code = kError;
      return;
    }
    std::error_code ec;
    std::filesystem::create_directories(o->dir, ec);
    if (ec) {
      ctx.reporter.error("cannot create " + o->dir + ": " + ec.message());
      ctx.exit_code = kError;
      return;
    }
    for (const auto& [machine, share] : *shares) {
      std::string path = o->dir + "/" + machine + ".yaml";
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << share;
      f.close();
      if (!f) {
        ctx.reporter.error("cannot write " + path);
        ctx.exit_code = kError;
        return;
      }
      ctx.reporter.out(path + "\n");
    }
  });
}

}  // namespace netlab::cli
