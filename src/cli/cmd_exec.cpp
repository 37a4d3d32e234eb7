// netlab exec NS -- CMD...: run a command inside a lab namespace, no shell.
#include <filesystem>

#include "cli/context.hpp"
#include "netlab/state_dir.hpp"

namespace netlab::cli {

void add_exec(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("exec", "run a command inside a lab namespace (exit code passed through)");
  struct Opts {
    std::string ns;
    std::vector<std::string> argv;
    std::string state_root = kDefaultStateRoot;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("namespace", o->ns, "namespace of a lab that is up")->required();
  cmd->add_option("command", o->argv, "command and arguments (after --)")->required();
  add_state_dir_flag(cmd, o->state_root);
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "exec")) return;
    bool known = false;
    for (const auto& lab : StateDir::list_labs(o->state_root))
      known |= StateDir(o->state_root, lab).namespaces().count(o->ns) > 0;
    if (!known) {
      ctx.reporter.error("'" + o->ns +
                         "' is not a namespace of a lab that is up (see netlab ls, netlab status)");
      ctx.exit_code = kError;
      return;
    }
    auto processes = make_real_processes();
    Error e = processes->exec_replace(o->ns, o->argv);
    ctx.reporter.error(e);
    ctx.exit_code = e.sys_errno == ENOENT ? 127 : 126;
  });
}

}  // namespace netlab::cli
