// What every subcommand shares: global options, the reporter, the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "netlab/error.hpp"
#include "netlab/lab.hpp"
#include "parse/parse.hpp"

namespace netlab::cli {

enum ExitCode { kOk = 0, kError = 1, kChanges = 2, kTestsFailed = 3 };

/// User-facing output: results to stdout, progress and errors to stderr,
/// colour only on a terminal (or when asked).
class Reporter {
 public:
  void configure(int verbosity, bool quiet, const std::string& color);
  bool color() const { return color_; }
  bool quiet() const { return quiet_; }
  int verbosity() const { return verbosity_; }
  std::string paint(const std::string& text, const char* ansi) const;
  std::string green(const std::string& t) const { return paint(t, "32"); }
  std::string red(const std::string& t) const { return paint(t, "31"); }
  std::string yellow(const std::string& t) const { return paint(t, "33"); }
  std::string bold(const std::string& t) const { return paint(t, "1"); }
  /// "netlab: error: ..." on stderr (every line of a multi-line error).
  void error(const Error& e) const;
  void error(const std::string& message) const;
  void info(const std::string& line) const;   ///< stderr, unless --quiet
  void debug(const std::string& line) const;  ///< stderr with -v
  void out(const std::string& text) const;    ///< stdout
  /// A live progress line for apply steps.
  std::function<void(const Progress&)> progress(const std::string& verb) const;

 private:
  bool color_ = false, quiet_ = false;
  int verbosity_ = 0;
};

/// What undoing an action of this kind does: a created object is removed
/// ("-"), a deleted one made again ("+"), a change set back ("~").
ActionKind undo_kind(ActionKind kind);
/// "Lab demo03 rolled back: 12 objects removed." for the actions a rollback undid.
std::string rollback_summary(const std::string& lab, const std::vector<Action>& undone);

/// --var NAME=VALUE and --vars FILE on `cmd`, each checked as it is parsed.
void add_variable_flags(CLI::App* cmd, std::vector<std::string>& assignments,
                        std::vector<std::string>& files);
/// The values of the topology's ${NAME}s: NETLAB_VAR_NAME from the
/// environment, then the --vars files in order, then --var (the last wins).
Variables collect_variables(const std::vector<std::string>& assignments,
                            const std::vector<std::string>& files);

/// The environment variable that sets the state root when --state-dir is
/// not given (the flag wins over it, it over kDefaultStateRoot).
inline constexpr const char* kStateDirVariable = "NETLAB_STATE_DIR";
/// --state-dir DIR (or NETLAB_STATE_DIR) on `cmd`, into `root`: every
/// command that takes it takes it through here, so all of them read the
/// variable.
CLI::Option* add_state_dir_flag(CLI::App* cmd, std::string& root);

struct LabFlags {
  std::vector<std::string> var_assignments, var_files;
  std::string prefix;
  std::string machine;  ///< --machine
  bool adopt = false;
  bool replace = false;
  bool no_rollback = false;
  bool allow_services = false;
  double lock_timeout = 60;
  double wait_timeout = 30;
  std::string state_root = kDefaultStateRoot;
  std::string ovsdb_socket = kDefaultOvsdbSocket;
  LabOptions options() const;
  void add_to(CLI::App* cmd, bool with_apply_flags);
};

struct Context {
  Reporter reporter;
  int exit_code = kOk;
};

void add_validate(CLI::App& app, Context& ctx);
void add_split(CLI::App& app, Context& ctx);
void add_graph(CLI::App& app, Context& ctx);
void add_plan(CLI::App& app, Context& ctx);
void add_up(CLI::App& app, Context& ctx);
void add_down(CLI::App& app, Context& ctx);
void add_status(CLI::App& app, Context& ctx);
void add_ls(CLI::App& app, Context& ctx);
void add_exec(CLI::App& app, Context& ctx);
void add_logs(CLI::App& app, Context& ctx);
void add_test(CLI::App& app, Context& ctx);
void add_capture(CLI::App& app, Context& ctx);

/// "parse 1.2 ms, observe 3.4 ms, ..." for --timings.
std::string format_timings(const Timings& t);

/// The capabilities netlab needs that this process lacks ("CAP_NET_ADMIN and
/// CAP_SYS_ADMIN"), or "" when it has them.
std::string missing_privileges();
/// True when the process may change the machine; else reports one line saying
/// that `netlab COMMAND` needs root (and what works `instead`, if anything),
/// sets exit code 1 and returns false.
bool require_privileges(Context& ctx, const std::string& command, const std::string& instead = "");

/// The message for a command-line mistake: an unknown command (with a "did
/// you mean"), `exec` without `--`, or CLI11's own text naming the argument.
std::string usage_error_message(const CLI::App& app, const CLI::ParseError& e, int argc,
                                char** argv);

/// What a topology file given to `down`/`status` stands for: only the lab it
/// names (down removes what the last up applied, whatever the file says now),
/// or the desired state itself (status FILE compares with FILE, like plan).
enum class FileArg { NamesLab, IsDesired };

/// Resolves a `down`/`status` argument: a topology file, a lab name, or
/// nothing (the one lab that is up). Errors list the labs when ambiguous.
Result<Lab> resolve_lab(const std::string& arg, const LabFlags& flags, FileArg file_arg);

}  // namespace netlab::cli
