// NETLAB_STATE_DIR: the state root of every command that takes --state-dir
// when the flag is not given; the flag wins over it, it over /run/netlab.
// Run with the real binary through env(1), so that the variable reaches it
// as it does from a CI job's environment; each case has its own directories.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "netlab/state_dir.hpp"
#include "support/system.hpp"

using namespace netlab;
namespace fs = std::filesystem;

namespace {

// Two state roots a and b, each holding one lab directory (alpha, beta),
// which is what `netlab ls` lists; removed when the case ends.
struct Roots {
  std::string prefix = testing::unique_name("-");
  fs::path dir = fs::temp_directory_path() / ("netlab-statevar-" + prefix);
  std::string a = (dir / "a").string(), b = (dir / "b").string();
  Roots() {
    fs::create_directories(dir / "a" / "alpha");
    fs::create_directories(dir / "b" / "beta");
  }
  ~Roots() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// netlab ARGS with the environment variable set to `value` (unset: nullopt),
// run from `cwd` ("" = here).
testing::Output netlab_with(std::optional<std::string> value, std::vector<std::string> args,
                            const std::string& cwd = "") {
  std::vector<std::string> argv = {"env"};
  if (!cwd.empty()) argv.insert(argv.end(), {"-C", cwd});
  if (value)
    argv.push_back("NETLAB_STATE_DIR=" + *value);
  else
    argv.insert(argv.end(), {"-u", "NETLAB_STATE_DIR"});
  argv.push_back(NETLAB_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_both(argv);
}

// The state root `netlab ls -o json` reports it read.
std::string root_of(const testing::Output& out) {
  INFO(out.text << out.err);
  REQUIRE(out.exit_code == 0);
  return nlohmann::json::parse(out.text).at("state_dir").get<std::string>();
}

}  // namespace

TEST_CASE("NETLAB_STATE_DIR sets the state root, and --state-dir wins over it", "[cli]") {
  Roots r;
  SECTION("the variable alone") {
    auto out = netlab_with(r.a, {"ls"});
    CHECK(out.exit_code == 0);
    CHECK(out.text == "alpha\n");
    CHECK(root_of(netlab_with(r.a, {"ls", "-o", "json"})) == r.a);
  }
  SECTION("the flag beside the variable") {
    auto out = netlab_with(r.a, {"ls", "--state-dir", r.b});
    CHECK(out.exit_code == 0);
    CHECK(out.text == "beta\n");
    CHECK(root_of(netlab_with(r.a, {"ls", "-o", "json", "--state-dir=" + r.b})) == r.b);
  }
  SECTION("neither: the default") {
    CHECK(root_of(netlab_with(std::nullopt, {"ls", "-o", "json"})) == kDefaultStateRoot);
  }
  SECTION("an empty variable counts as unset") {
    CHECK(root_of(netlab_with("", {"ls", "-o", "json"})) == kDefaultStateRoot);
  }
  SECTION("an empty flag is refused, before anything is read") {
    // It would have put each lab's state at /LAB.
    auto out = netlab_with(r.a, {"down", "alpha", "--state-dir", ""});
    CHECK(out.exit_code == 1);
    CHECK(out.err.find("--state-dir: give a directory") != std::string::npos);
    CHECK(fs::exists(r.dir / "a" / "alpha"));
  }
  SECTION("a relative path is taken as the flag takes it: from the working directory") {
    auto by_variable = netlab_with("b", {"ls"}, r.dir.string());
    auto by_flag = netlab_with(std::nullopt, {"ls", "--state-dir", "b"}, r.dir.string());
    CHECK(by_variable.exit_code == 0);
    CHECK(by_variable.text == "beta\n");
    CHECK(by_variable.text == by_flag.text);
  }
}

TEST_CASE("every command that takes --state-dir reads NETLAB_STATE_DIR", "[cli]") {
  auto top = testing::run({NETLAB_BINARY, "--help"});
  REQUIRE(top.exit_code == 0);
  std::istringstream lines(top.text.substr(top.text.find("Subcommands:")));
  std::vector<std::string> with_flag;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) != 0) continue;
    std::string cmd = line.substr(2, line.find(' ', 2) - 2);
    auto help = testing::run({NETLAB_BINARY, cmd, "--help"});
    REQUIRE(help.exit_code == 0);
    std::istringstream opts(help.text);
    for (std::string opt; std::getline(opts, opt);) {
      if (opt.find("--state-dir") == std::string::npos) continue;
      with_flag.push_back(cmd);
      INFO("netlab " << cmd << " --help: " << opt);
      CHECK(opt.find("(Env:NETLAB_STATE_DIR)") != std::string::npos);
    }
  }
  // Those of the README: plan up down status test ls exec logs capture.
  CHECK(with_flag.size() >= 9);
}

TEST_CASE("up, status and down keep and find a lab under NETLAB_STATE_DIR", "[lab][cli][real]") {
  Roots r;
  std::string lab = r.prefix + "envroot", ns = r.prefix + "n";
  std::string file = (r.dir / "lab.yaml").string();
  std::ofstream(file) << "name: envroot\nnamespaces:\n  n: {}\n";
  testing::Cleanup guard([&] {
    testing::run({NETLAB_BINARY, "down", lab, "--state-dir", r.a, "-q"});
    testing::remove_namespace(ns);
  });
  auto up = netlab_with(r.a, {"up", file, "--prefix", r.prefix, "-q"});
  INFO(up.text << up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(fs::is_directory(fs::path(r.a) / lab));
  CHECK_FALSE(fs::exists(fs::path(kDefaultStateRoot) / lab));
  CHECK(testing::namespace_exists(ns));
  CHECK(netlab_with(r.a, {"status", lab}).exit_code == 0);
  // The flag wins: under b the lab is not up.
  CHECK(netlab_with(r.a, {"status", lab, "--state-dir", r.b}).exit_code == 1);
  auto down = netlab_with(r.a, {"down", lab, "-q"});
  INFO(down.text << down.err);
  CHECK(down.exit_code == 0);
  CHECK_FALSE(fs::exists(fs::path(r.a) / lab));
  CHECK_FALSE(testing::namespace_exists(ns));
}
