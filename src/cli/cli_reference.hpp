// What the command line offers, read from its CLI11 definition: the one
// source of the man page and the shell completion, so that neither can drift
// from --help.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace netlab::cli {

/// One option or positional argument of a command, as --help shows it.
struct ArgumentRef {
  std::vector<std::string> names;    ///< "-o", "--output"; a positional: its name ("file")
  std::string value;                 ///< "TEXT", "FLOAT"; "" for a flag
  std::vector<std::string> choices;  ///< the allowed values ({text,json}), if CLI11 checks a set
  std::string default_value;         ///< as --help shows it ("/run/netlab"), or ""
  std::string env;                   ///< the variable read when it is not given, or ""
  std::string description;
  bool positional = false;
  bool required = false;
  bool many = false;  ///< takes several values (files..., command...)
  bool takes_value() const { return !value.empty(); }
};

/// A command (or the program itself, for the global options).
struct CommandRef {
  std::string name;
  std::string description;
  std::vector<ArgumentRef> positionals;
  std::vector<ArgumentRef> options;
};

struct CliReference {
  CommandRef program;                ///< netlab's own (global) options
  std::vector<CommandRef> commands;  ///< in the order --help lists them
};

/// Walks the CLI11 definition: every subcommand, every option and positional
/// that --help shows (hidden ones are left out, as --help leaves them out).
CliReference describe_cli(const CLI::App& app);

/// The man page (roff, man(7) macros) of the whole command line.
std::string man_page(const CliReference& cli, const std::string& version);

/// A bash completion script: commands, each command's flags, topology files
/// for FILE arguments, lab names for down/status/test, namespaces for exec.
std::string bash_completion(const CliReference& cli);

/// `netlab --generate-man` and `netlab --generate-bash-completion` (hidden:
/// build steps, not user commands): prints the text and returns 0; returns
/// nothing when argv asks for neither.
std::optional<int> generate_docs(const CLI::App& app, int argc, char** argv);

}  // namespace netlab::cli
