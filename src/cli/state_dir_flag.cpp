// --state-dir DIR and NETLAB_STATE_DIR: where labs keep their state. A CI
// machine runs many jobs side by side, each with a state root of its own; a
// variable set once for the job reaches every netlab command the job runs,
// also the ones a script or a fixture runs without the flag.
#include "cli/context.hpp"

namespace netlab::cli {

CLI::Option* add_state_dir_flag(CLI::App* cmd, std::string& root) {
  // CLI11 reads the variable only for an option the command line does not
  // give (the flag wins), and puts its value through the same checks as the
  // flag's; it skips an empty variable, which then counts as unset.
  // An empty directory would put every lab's state at /LAB.
  return cmd->add_option("--state-dir", root, "where labs keep their state")
      ->envname(kStateDirVariable)
      ->capture_default_str()
      ->check(
          [](const std::string& dir) {
            return dir.empty() ? std::string("give a directory (it is made when missing)")
                               : std::string();
          },
          "DIR");
}

}  // namespace netlab::cli
