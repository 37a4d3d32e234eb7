// netlab plan FILE: what `up` would do, Terraform style.
#include "cli/context.hpp"
#include "plan/plan_json.hpp"

namespace netlab::cli {

void add_plan(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("plan", "show what `up` would change, without changing anything");
  struct Opts {
    std::string file, output = "text";
    bool detailed = false, timings = false, offline = false;
    LabFlags flags;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("file", o->file, "topology file")->required();
  cmd->add_flag("--detailed-exitcode", o->detailed, "exit 0: no changes, 1: error, 2: changes");
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--timings", o->timings, "print the time of each phase");
  o->flags.add_to(cmd, false);
  cmd->add_flag("--adopt", o->flags.adopt, "plan as if taking over existing objects");
  cmd->add_flag("--replace", o->flags.replace,
                "plan as if taking over a lab of the same name from another file");
  cmd->add_flag("--offline", o->offline,
                "plan against an empty machine, without reading it (works without root)");
  cmd->callback([&ctx, o] {
    if (!o->offline &&
        !require_privileges(ctx, "plan",
                            "netlab plan --offline FILE shows what up would build on an empty "
                            "machine without reading this one"))
      return;
    LabOptions options = o->flags.options();
    options.observe = !o->offline;
    auto lab = Lab::load(o->file, options);
    if (!lab.ok()) {
      ctx.reporter.error(lab.error());
      ctx.exit_code = kError;
      return;
    }
    Timings timings;
    auto plan = lab->plan(&timings);
    if (!plan.ok()) {
      ctx.reporter.error(plan.error());
      ctx.exit_code = kError;
      return;
    }
    if (o->output == "json") {
      ctx.reporter.out(plan_to_json(*plan).dump(2) + "\n");
    } else {
      ctx.reporter.out(format_plan(*plan));
    }
    if (o->timings) ctx.reporter.info(format_timings(timings));
    if (o->detailed && !plan->empty()) ctx.exit_code = kChanges;
  });
}

}  // namespace netlab::cli
