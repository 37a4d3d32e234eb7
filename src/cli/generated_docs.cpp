// netlab --generate-man / --generate-bash-completion: the build runs these
// (cmake/netlab_packaging.cmake) so that the installed man page and
// completion describe exactly the binary they are installed with.
#include <iostream>

#include "cli/cli_reference.hpp"

namespace netlab::cli {

std::optional<int> generate_docs(const CLI::App& app, int argc, char** argv) {
  if (argc != 2) return std::nullopt;
  std::string what = argv[1];
  if (what == "--generate-man") {
    std::cout << man_page(describe_cli(app), NETLAB_VERSION);
  } else if (what == "--generate-bash-completion") {
    std::cout << bash_completion(describe_cli(app));
  } else {
    return std::nullopt;
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace netlab::cli
