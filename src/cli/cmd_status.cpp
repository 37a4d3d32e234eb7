// netlab status [LAB] and netlab ls.
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "core/text.hpp"
#include "netlab/state_dir.hpp"

namespace netlab::cli {

void add_status(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("status", "the lab's objects with their live state, marking drift");
  struct Opts {
    std::string target, output = "text";
    LabFlags flags;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("lab", o->target, "topology file or lab name (default: the one lab that is up)");
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  o->flags.add_to(cmd, false);
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "status")) return;
    auto lab = resolve_lab(o->target, o->flags, FileArg::IsDesired);
    if (!lab.ok()) {
      ctx.reporter.error(lab.error());
      ctx.exit_code = kError;
      return;
    }
    auto st = lab->status();
    if (!st.ok()) {
      ctx.reporter.error(st.error());
      ctx.exit_code = kError;
      return;
    }
    if (!st->exists) {
      ctx.reporter.error("lab " + st->lab + " is not up (nothing in " + lab->state().path() + ")" +
                         (st->against == StatusReport::Against::File
                              ? "; netlab plan " + o->target + " shows what up would build"
                              : ""));
      ctx.exit_code = kError;
      return;
    }
    const char* against = st->against == StatusReport::Against::File     ? "file"
                          : st->against == StatusReport::Against::LastUp ? "last-up"
                                                                         : "nothing";
    if (o->output == "json") {
      nlohmann::json entries = nlohmann::json::array();
      for (const auto& e : st->entries) {
        entries.push_back(
            {{"resource", e.resource},
             {"namespace", e.ns.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.ns)},
             {"object", e.object},
             {"state", e.state},
             {"drift", e.drift.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.drift)}});
      }
      auto or_null = [](int n) { return n > 0 ? nlohmann::json(n) : nlohmann::json(nullptr); };
      nlohmann::json errors = nlohmann::json::array();
      for (const auto& e : st->errors) {
        errors.push_back({{"file", e.where.file.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(e.where.file)},
                          {"line", or_null(e.where.line)},
                          {"column", or_null(e.where.column)},
                          {"kind", to_string(e.kind)},
                          {"message", e.message}});
      }
      nlohmann::json j{{"lab", st->lab},
                       {"up", st->exists},
                       {"compared_with", {{"source", against}, {"file", st->file}}},
                       {"drifted", st->drifted},
                       {"objects", entries},
                       {"errors", errors}};
      ctx.reporter.out(j.dump(2) + "\n");
      return;
    }
    const auto& r = ctx.reporter;
    std::string out = r.bold("lab " + st->lab);
    if (st->against == StatusReport::Against::File)
      out += ", compared with " + o->target;
    else if (st->against == StatusReport::Against::LastUp)
      out += ", compared with the topology of its last up (" + st->file + ")";
    else
      out += ", compared with nothing: no topology of its last up is recorded";
    out += "\n";
    std::size_t w1 = 8, w2 = 8, w3 = 8;
    for (const auto& e : st->entries) {
      w1 = std::max(w1, e.resource.size());
      w2 = std::max(w2, e.ns.size());
      w3 = std::max(w3, e.object.size());
    }
    auto pad = [](std::string s, std::size_t w) {
      return s + std::string(w - std::min(w, s.size()), ' ');
    };
    out += "  " + pad("RESOURCE", w1) + "  " + pad("NETNS", w2) + "  " + pad("OBJECT", w3) +
           "  STATE\n";
    for (const auto& e : st->entries) {
      out += "  " + pad(e.resource, w1) + "  " + pad(e.ns.empty() ? "-" : e.ns, w2) + "  " +
             pad(e.object, w3) + "  " + e.state;
      if (!e.drift.empty()) out += "  " + r.yellow("drift: " + e.drift);
      out += "\n";
    }
    if (st->drifted == 1)
      out += r.yellow("1 object drifted: `netlab up` repairs it") + "\n";
    else if (st->drifted > 1)
      out += r.yellow(std::to_string(st->drifted) + " objects drifted: `netlab up` repairs them") +
             "\n";
    else if (st->errors.empty())
      out += r.green("no drift") + "\n";
    // What `up` would stop with: status shows it rather than "no drift".
    for (const auto& e : st->errors) out += r.red("error: ") + printable(e.str()) + "\n";
    if (!st->errors.empty())
      out += r.red("`netlab up` would stop here (the same errors as `netlab plan`)") + "\n";
    r.out(out);
  });
}

void add_ls(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("ls", "list the labs that are up");
  struct Opts {
    std::string root = kDefaultStateRoot, output = "text";
  };
  auto o = std::make_shared<Opts>();
  add_state_dir_flag(cmd, o->root);
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&ctx, o] {
    if (o->output != "json") {
      for (const auto& lab : Lab::list(o->root)) ctx.reporter.out(lab + "\n");
      return;
    }
    // schema/output/ls.schema.json. What the state directory records; a lab
    // whose last up left no topology record has file and prefix null.
    nlohmann::json labs = nlohmann::json::array();
    for (const auto& name : Lab::list(o->root)) {
      StateDir state(o->root, name);
      auto applied = state.read_applied();
      auto or_null = [&](const std::string StateDir::Applied::*field) {
        return applied.ok() ? nlohmann::json((*applied).*field) : nlohmann::json(nullptr);
      };
      labs.push_back({{"name", name},
                      {"state_dir", state.path()},
                      {"file", or_null(&StateDir::Applied::file)},
                      {"prefix", or_null(&StateDir::Applied::prefix)},
                      {"namespaces", state.namespaces()}});
    }
    nlohmann::json j{{"format_version", 1}, {"state_dir", o->root}, {"labs", labs}};
    ctx.reporter.out(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  });
}

}  // namespace netlab::cli
