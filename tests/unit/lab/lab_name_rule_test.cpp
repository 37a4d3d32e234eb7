// Issue 10, defect 1: a lab name from any source passes one rule before it
// becomes part of a path. `netlab down ..` once removed everything under the
// state root's parent; `down .` every other lab's state. These tests run the
// real binary against a state root inside a temporary tree and check that the
// tree is untouched.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/lab_name.hpp"
#include "netlab/lab.hpp"
#include "netlab/state_dir.hpp"
#include "support/require_ok.hpp"
#include "support/system.hpp"

using namespace netlab;
namespace fs = std::filesystem;

namespace {

// /tmp/netlab-labname-PID/{keep.txt, netlab/{other/keep.txt, other.lock}}:
// a file beside the state root and another lab's state inside it.
struct Tree {
  fs::path top = fs::temp_directory_path() / ("netlab-labname-" + std::to_string(getpid()));
  fs::path root = top / "netlab";
  Tree() {
    fs::remove_all(top);
    fs::create_directories(root / "other");
    std::ofstream(top / "keep.txt") << "beside the state root\n";
    std::ofstream(root / "other" / "keep.txt") << "another lab's state\n";
    std::ofstream(root / "other.lock") << "";
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(top, ec);
  }
  bool intact() const {
    return fs::exists(top / "keep.txt") && fs::exists(root / "other" / "keep.txt") &&
           fs::exists(root / "other.lock");
  }
};

}  // namespace

TEST_CASE("the lab-name rule", "[lab][names]") {
  CHECK_FALSE(lab_name_problem("demo03"));
  CHECK_FALSE(lab_name_problem("ci-42-demo"));
  for (const char* bad : {"", ".", "..", "a/b", "../x", "Demo", "a b", "a.b", "a_b"}) {
    INFO(bad);
    CHECK(lab_name_problem(bad));
  }
  // The mark of netlab's probe bridges: a lab of that name would be swept.
  CHECK(lab_name_problem("netlab-probe"));
  CHECK_FALSE(lab_name_problem(std::string(kLabNameMax, 'a')));
  CHECK(lab_name_problem(std::string(kLabNameMax + 1, 'a')));
  Status st = check_lab_name("..", "lab argument");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message ==
        "lab argument '..' may contain only a-z, 0-9 and '-'; a lab name is 1-24 characters of "
        "a-z, 0-9 and '-'");
}

TEST_CASE("a state directory never acts on a name that breaks the rule", "[lab][names]") {
  Tree tree;
  for (const char* bad : {"..", ".", "", "other/..", "x/../.."}) {
    INFO("lab '" << bad << "'");
    StateDir state(tree.root.string(), bad);
    CHECK_FALSE(state.remove().ok());
    CHECK_FALSE(state.ensure().ok());
    CHECK_FALSE(state.record_namespace("red").ok());
    CHECK_FALSE(LabLock::acquire(tree.root.string(), bad, std::chrono::milliseconds(10)).ok());
    CHECK(tree.intact());
  }
  LabOptions options;
  options.state_root = tree.root.string();
  CHECK_FALSE(Lab::attach("..", options).ok());
}

TEST_CASE("listing the state root shows only entries that are lab names", "[lab][names]") {
  Tree tree;
  fs::create_directories(tree.root / "Not_A_Lab");
  fs::create_directories(tree.root / "lost+found");
  CHECK(StateDir::list_labs(tree.root.string()) == std::vector<std::string>{"other"});
}

TEST_CASE("netlab down/status/test with a lab argument that is not a lab name change nothing",
          "[lab][names][cli]") {
  REQUIRE(access(NETLAB_BINARY, X_OK) == 0);
  Tree tree;
  const std::string root = tree.root.string();
  for (const char* bad : {"..", ".", "a/b", "../netlab", "UPPER"}) {
    for (const char* command : {"down", "status"}) {
      INFO(command << " '" << bad << "'");
      auto out = testing::run_both({NETLAB_BINARY, command, bad, "--state-dir", root});
      CHECK(out.exit_code == 1);
      CHECK(out.err.find("is 1-24 characters of a-z, 0-9 and '-'") != std::string::npos);
      CHECK(tree.intact());
    }
  }
  SECTION("a prefix that would make a path of the name") {
    auto out =
        testing::run_both({NETLAB_BINARY, "down", "other", "--prefix", "../", "--state-dir", root});
    CHECK(out.exit_code == 1);
    CHECK(tree.intact());
  }
}
