// netlab up FILE: plan, apply, verify; roll back on failure.
#include "cli/context.hpp"

namespace netlab::cli {

void add_up(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("up", "build or repair the lab; a second run changes nothing");
  struct Opts {
    std::string file;
    bool timings = false;
    LabFlags flags;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("file", o->file, "topology file")->required();
  cmd->add_flag("--timings", o->timings, "print the time of each phase");
  o->flags.add_to(cmd, true);
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "up")) return;
    auto t0 = std::chrono::steady_clock::now();
    auto lab = Lab::load(o->file, o->flags.options());
    if (!lab.ok()) {
      ctx.reporter.error(lab.error());
      ctx.exit_code = kError;
      return;
    }
    double parse_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    // Every step of a rollback is shown like an apply step; the summary line
    // says what the rollback undid, also when the steps are not shown.
    auto shown = ctx.reporter.progress("applying");
    std::vector<Action> undone;
    bool applied_any = false;
    auto progress = [&](const Progress& p) {
      if (p.undo && p.status.ok()) undone.push_back(p.action);
      applied_any |= !p.undo;
      if (shown) shown(p);
    };
    auto report = lab->up(progress);
    if (!report.ok()) {
      ctx.reporter.error(report.error());
      if (applied_any && !o->flags.no_rollback)
        ctx.reporter.info(rollback_summary(lab->name(), undone));
      ctx.exit_code = kError;
      return;
    }
    const Plan& plan = report->plan;
    if (plan.empty()) {
      ctx.reporter.out("Lab " + lab->name() + " is up to date: nothing to do.\n");
    } else {
      std::size_t add = plan.count(ActionKind::Create) + plan.count(ActionKind::Replace);
      ctx.reporter.out(
          "Lab " + lab->name() + " is up: " + std::to_string(add) + " added, " +
          std::to_string(plan.count(ActionKind::Modify)) + " changed, " +
          std::to_string(plan.count(ActionKind::Delete) + plan.count(ActionKind::Replace)) +
          " destroyed.\n");
    }
    if (o->timings) {
      Timings t;
      t.add("parse", parse_ms);
      for (const auto& p : report->timings.phases) t.add(p.first, p.second);
      ctx.reporter.info(format_timings(t));
    }
  });
}

}  // namespace netlab::cli
