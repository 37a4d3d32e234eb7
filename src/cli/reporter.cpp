#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/context.hpp"
#include "core/text.hpp"
#include "parse/parse.hpp"

namespace netlab::cli {

void Reporter::configure(int verbosity, bool quiet, const std::string& color) {
  verbosity_ = verbosity;
  quiet_ = quiet;
  if (color == "always")
    color_ = true;
  else if (color == "never")
    color_ = false;
  else
    color_ = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && !getenv("NO_COLOR");
}

std::string Reporter::paint(const std::string& text, const char* ansi) const {
  if (!color_) return text;
  return std::string("\033[") + ansi + "m" + text + "\033[0m";
}

// Messages may quote names from the topology as written (a name refused for
// its control bytes, say): printable() keeps their bytes off the terminal.
void Reporter::error(const Error& e) const {
  std::istringstream lines(printable(e.str()));
  for (std::string line; std::getline(lines, line);) std::cerr << red("error: ") << line << "\n";
}

void Reporter::error(const std::string& message) const {
  std::cerr << red("error: ") << printable(message) << "\n";
}

void Reporter::info(const std::string& line) const {
  if (!quiet_) std::cerr << printable(line) << "\n";
}

void Reporter::debug(const std::string& line) const {
  if (verbosity_ > 0) std::cerr << printable(line) << "\n";
}

void Reporter::out(const std::string& text) const { std::cout << text << std::flush; }

std::function<void(const Progress&)> Reporter::progress(const std::string& verb) const {
  if (quiet_) return {};
  bool tty = isatty(STDERR_FILENO);
  return [this, verb, tty](const Progress& p) {
    // A rollback step shows what undoing the action does to its object,
    // with the symbol `down` would use for it ("-" for a created object).
    std::string line = std::string(p.undo ? "[rollback " : "[") + std::to_string(p.done) + "/" +
                       std::to_string(p.total) + "] ";
    line += std::string(symbol(p.undo ? undo_kind(p.action.kind) : p.action.kind)) + " " +
            p.action.resource + " " + p.action.object;
    if (!p.action.ns.empty()) line += " (netns " + p.action.ns + ")";
    if (!p.status.ok()) {
      std::cerr << (tty ? "\r\033[K" : "") << red(line + ": FAILED") << "\n";
      return;
    }
    if (p.undo) {
      std::cerr << (tty ? "\r\033[K" : "") << line << "\n";
      return;
    }
    // The two steps of a replace split across phases (an OVS port).
    if (p.action.half == ReplaceHalf::Destroy) line += ": old one removed";
    if (p.action.half == ReplaceHalf::Create) line += ": created again";
    // Large labs: one overwriting line on a terminal, every step with -v.
    if (tty && verbosity_ == 0 && p.total > 40) {
      std::cerr << "\r\033[K" << verb << " " << p.done << "/" << p.total << std::flush;
      if (p.done == p.total) std::cerr << "\n";
    } else {
      std::cerr << line << "\n";
    }
  };
}

ActionKind undo_kind(ActionKind kind) {
  switch (kind) {
    case ActionKind::Create:
      return ActionKind::Delete;
    case ActionKind::Delete:
      return ActionKind::Create;
    default:
      return kind;
  }
}

std::string rollback_summary(const std::string& lab, const std::vector<Action>& undone) {
  Plan inverse;
  for (Action a : undone) {
    a.kind = undo_kind(a.kind);
    inverse.actions.push_back(std::move(a));
  }
  return "Lab " + lab + " rolled back: " + removal_summary(inverse) + ".";
}

LabOptions LabFlags::options() const {
  LabOptions o;
  o.prefix = prefix;
  o.machine = machine;
  o.adopt = adopt;
  o.replace = replace;
  o.variables = collect_variables(var_assignments, var_files);
  o.rollback = !no_rollback;
  o.allow_services = allow_services;
  o.state_root = state_root;
  o.ovsdb_socket = ovsdb_socket;
  o.lock_timeout = std::chrono::milliseconds(static_cast<long>(lock_timeout * 1000));
  o.lease_timeout = std::chrono::milliseconds(static_cast<long>(wait_timeout * 1000));
  o.on_lock_wait = [] {
    std::cerr << "another netlab is working on this lab: waiting for it (--lock-timeout)\n";
  };
  return o;
}

void LabFlags::add_to(CLI::App* cmd, bool with_apply_flags) {
  cmd->add_option("--prefix", prefix,
                  "prefix for namespace and root-interface names, for parallel copies of a lab");
  add_state_dir_flag(cmd, state_root);
  cmd->add_option("--machine", machine,
                  "act only on this machine's share of a topology with machines: (default: the "
                  "machine whose underlay address is in this network namespace)");
  add_variable_flags(cmd, var_assignments, var_files);
  cmd->add_option("--ovsdb", ovsdb_socket, "OVSDB socket")->capture_default_str();
  if (with_apply_flags) {
    cmd->add_flag("--adopt", adopt, "take over existing objects of the same names");
    cmd->add_flag("--replace", replace,
                  "take over a lab of the same name that another topology file brought up");
    cmd->add_flag("--no-rollback", no_rollback, "keep the partial state after a failure");
    cmd->add_flag("--allow-services", allow_services,
                  "run the services: of the topology (commands run as root; a topology file "
                  "may otherwise only shape networking)");
    cmd->add_option("--lock-timeout", lock_timeout,
                    "seconds to wait for another netlab on this lab")
        ->capture_default_str();
    cmd->add_option(
           "--wait-timeout", wait_timeout,
           "seconds to wait for readiness: each DHCP lease, IPv6 duplicate address detection")
        ->capture_default_str();
  }
}

std::string format_timings(const Timings& t) {
  std::ostringstream out;
  out << "timings:";
  for (const auto& [name, ms] : t.phases) {
    out << " " << name << " ";
    out.setf(std::ios::fixed);
    out.precision(1);
    out << ms << " ms";
  }
  return out.str();
}

Result<Lab> resolve_lab(const std::string& arg, const LabFlags& flags, FileArg file_arg) {
  LabOptions options = flags.options();
  if (!arg.empty()) {
    if (std::filesystem::is_regular_file(arg)) {
      auto loaded = Lab::load(arg, options);
      if (loaded.ok() && file_arg == FileArg::IsDesired) return loaded;
      // Only the file's lab name is needed (the lab may differ from the file now).
      if (loaded.ok()) {
        std::string name = loaded->name();
        return Lab::attach(name, options);
      }
      return loaded.error();
    }
    // With --prefix the argument is the name in the file; a name that
    // carries the prefix already (as `netlab ls` prints it) means that lab.
    std::string name = flags.prefix.empty() ? arg : flags.prefix + arg;
    if (!flags.prefix.empty() && arg.rfind(flags.prefix, 0) == 0 &&
        !StateDir(flags.state_root, name).exists() && StateDir(flags.state_root, arg).exists())
      name = arg;
    return Lab::attach(name, options);
  }
  auto labs = Lab::list(flags.state_root);
  if (labs.size() == 1) return Lab::attach(labs.front(), options);
  if (labs.empty()) {
    return Error{
        ErrorKind::InvalidTopology, "no lab is up (nothing in " + flags.state_root + ")", {}, 0};
  }
  std::string list;
  for (const auto& l : labs) list += " " + l;
  return Error{ErrorKind::InvalidTopology,
               "several labs are up:" + list + "; name the one you mean (netlab down LAB)",
               {},
               0};
}

}  // namespace netlab::cli
