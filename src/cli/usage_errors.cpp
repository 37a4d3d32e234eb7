// What a command-line mistake gets: one line that names the problem and exit
// code 1, not CLI11's internal exit numbers (105, 106, 109) or its generic
// "A subcommand is required".
#include <cstring>
#include <iostream>

#include "cli/context.hpp"
#include "core/text.hpp"
#include "parse/suggest.hpp"

namespace netlab::cli {

namespace {

bool is_command(const CLI::App& app, const std::string& word) {
  for (const auto* sub : app.get_subcommands({}))
    if (sub->get_name() == word) return true;
  return false;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

// The first word that is not a global option: the command the user meant.
std::string first_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--color") {
      ++i;  // its value
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return "";
}

bool has_double_dash(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) return true;
  return false;
}

}  // namespace

std::string usage_error_message(const CLI::App& app, const CLI::ParseError& e, int argc,
                                char** argv) {
  std::string word = first_word(argc, argv);
  if (word.empty()) {
    return "no command given; the commands are " + join(command_names(app)) +
           " (netlab --help describes them)";
  }
  if (!is_command(app, word)) {
    auto close = did_you_mean(word, command_names(app));
    return "unknown command '" + word + "'" +
           (close ? " (did you mean '" + *close + "'?)" : std::string()) + "; the commands are " +
           join(command_names(app));
  }
  // `netlab exec NS ip -br addr`: the command's own options reach netlab.
  if (word == "exec" && !has_double_dash(argc, argv)) {
    return std::string(e.what()) +
           "; put -- before the command, so that its options are not read as netlab's: "
           "netlab exec NS -- CMD [ARGS...]";
  }
  return std::string(e.what()) + " (netlab " + word + " --help lists its arguments)";
}

}  // namespace netlab::cli
