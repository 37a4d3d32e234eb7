// describe_cli: CLI11's App and Option objects → plain values.
#include "cli/cli_reference.hpp"

namespace netlab::cli {

namespace {

// "TEXT:{text,json}" → TEXT and {text, json}: CLI11 keeps a set check only as
// the description it appends to the type name (what --help prints).
void split_type_name(const std::string& type_name, ArgumentRef& a) {
  std::size_t colon = type_name.find(':');
  a.value = type_name.substr(0, colon);
  if (colon == std::string::npos) return;
  std::string rest = type_name.substr(colon + 1);
  if (rest.size() < 2 || rest.front() != '{' || rest.back() != '}') return;
  rest = rest.substr(1, rest.size() - 2);
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    if (comma > start) a.choices.push_back(rest.substr(start, comma - start));
    start = comma + 1;
  }
}

ArgumentRef describe_option(const CLI::Option& o) {
  ArgumentRef a;
  a.positional = !o.nonpositional();
  if (a.positional) {
    a.names.push_back(o.get_name(true));
  } else {
    for (const auto& s : o.get_snames()) a.names.push_back("-" + s);
    for (const auto& l : o.get_lnames()) a.names.push_back("--" + l);
  }
  // A flag expects no value (type size 0); everything else shows its type.
  if (o.get_type_size_max() > 0) split_type_name(o.get_type_name(), a);
  if (a.positional && a.value.empty()) a.value = "TEXT";
  a.default_value = o.get_default_str();
  a.env = o.get_envname();
  a.description = o.get_description();
  a.required = o.get_required();
  a.many = a.positional && o.get_items_expected_max() > 1;
  return a;
}

CommandRef describe_command(const CLI::App& app) {
  CommandRef c;
  c.name = app.get_name();
  c.description = app.get_description();
  for (const CLI::Option* o : app.get_options({})) {
    if (o->get_group().empty()) continue;  // hidden, as in --help
    ArgumentRef a = describe_option(*o);
    (a.positional ? c.positionals : c.options).push_back(std::move(a));
  }
  return c;
}

}  // namespace

CliReference describe_cli(const CLI::App& app) {
  CliReference cli;
  cli.program = describe_command(app);
  cli.program.name = "netlab";
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden
    cli.commands.push_back(describe_command(*sub));
  }
  return cli;
}

}  // namespace netlab::cli
