// netlab test FILE: run the assertions declared under tests:.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "netlab/check.hpp"

namespace netlab::cli {

void add_test(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("test", "run the assertions declared under tests:");
  struct Opts {
    std::string file, junit, output = "text";
    std::string capture_dir;
    int jobs = 4;
    LabFlags flags;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("file", o->file, "topology file")->required();
  cmd->add_option("--junit", o->junit, "also write the results as JUnit XML to this file");
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("-j,--jobs", o->jobs, "assertions run at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--capture", o->capture_dir,
                  "capture each assertion's interfaces into pcap files in this directory; "
                  "only the failed assertions' files are kept");
  o->flags.add_to(cmd, false);
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "test")) return;
    const auto& rep = ctx.reporter;
    auto lab = Lab::load(o->file, o->flags.options());
    if (!lab.ok()) {
      rep.error(lab.error());
      ctx.exit_code = kError;
      return;
    }
    // The whole topology: targets on other machines resolve, and the
    // assertions whose source is on another machine are skipped by name.
    const Topology& topo = *lab->whole_topology();
    if (topo.tests.empty()) rep.info("netlab test: " + o->file + " declares no tests:");
    // Assertions against a lab that is not up would all fail with ENOENT and
    // read as broken networking (exit 3): say what is wrong instead.
    if (!lab->state().exists()) {
      rep.error("lab " + lab->name() + " is not up (nothing in " + lab->state().path() +
                "); bring it up first: netlab up " + o->file);
      ctx.exit_code = kError;
      return;
    }

    CheckContext cc{topo, lab->kernel(), lab->processes(), lab->state().path()};
    cc.machine = lab->machine();
    if (!o->capture_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o->capture_dir, ec);
      if (ec) {
        rep.error("cannot create the capture directory " + o->capture_dir + ": " + ec.message());
        ctx.exit_code = kError;
        return;
      }
      cc.capture_dir = o->capture_dir;
    }
    auto results = run_checks(cc, o->jobs);
    for (const auto& r : results)
      for (const auto& path : r.captures) rep.info("capture of a failed assertion: " + path);

    if (o->output == "json") {
      rep.out(results_json(lab->name(), results)
                  .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
              "\n");
    } else {
      rep.out(format_results_table(results, rep.color()));
    }
    if (!o->junit.empty()) {
      std::ofstream f(o->junit, std::ios::binary | std::ios::trunc);
      f << junit_xml(lab->name(), results);
      f.close();
      if (!f) {
        rep.error("cannot write the JUnit report to " + o->junit);
        ctx.exit_code = kError;
        return;
      }
    }
    for (const auto& r : results) {
      if (r.skipped) rep.info("skipped " + r.name + ": " + r.detail.substr(9));
      if (!r.passed && !r.skipped) ctx.exit_code = kTestsFailed;
    }
  });
}

}  // namespace netlab::cli
