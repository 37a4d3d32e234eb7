// netlab down [FILE|LAB]: remove everything the lab created, nothing else.
#include "cli/context.hpp"

namespace netlab::cli {

void add_down(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("down", "remove everything the lab created, and nothing else");
  struct Opts {
    std::string target;
    bool timings = false;
    LabFlags flags;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("lab", o->target, "topology file or lab name (default: the one lab that is up)");
  cmd->add_flag("--timings", o->timings, "print the time of each phase");
  o->flags.add_to(cmd, false);
  cmd->add_option("--lock-timeout", o->flags.lock_timeout, "seconds to wait for another netlab");
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "down")) return;
    if (o->target.empty() && Lab::list(o->flags.state_root).empty()) {
      ctx.reporter.out("No lab is up.\n");
      return;
    }
    auto lab = resolve_lab(o->target, o->flags, FileArg::NamesLab);
    if (!lab.ok()) {
      ctx.reporter.error(lab.error());
      ctx.exit_code = kError;
      return;
    }
    auto report = lab->down(ctx.reporter.progress("removing"));
    if (!report.ok()) {
      ctx.reporter.error(report.error());
      ctx.exit_code = kError;
      return;
    }
    if (report->plan.empty()) {
      ctx.reporter.out("Lab " + lab->name() + " is down: nothing to remove.\n");
    } else {
      ctx.reporter.out("Lab " + lab->name() + " is down: " + removal_summary(report->plan) + ".\n");
    }
    if (o->timings) ctx.reporter.info(format_timings(report->timings));
  });
}

}  // namespace netlab::cli
