// netlab command line: a thin layer over the library.
#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"netlab: declarative network labs on Linux namespaces, veth, OVS and dnsmasq"};
  app.set_version_flag("--version", std::string("netlab ") + NETLAB_VERSION);
  app.require_subcommand(1);
  for (const char* name : {"validate", "graph", "plan", "up", "down", "status", "test", "exec", "ls"}) {
    app.add_subcommand(name, "")->allow_extras()->callback([name] {
      std::cerr << "netlab " << name << ": not implemented yet\n";
      std::exit(1);
    });
  }
  CLI11_PARSE(app, argc, argv);
  return 0;
}
