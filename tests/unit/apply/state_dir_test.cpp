#include "netlab/state_dir.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

struct TempRoot : netlab::testing::TempDir {
  TempRoot() : TempDir("statedir-test") {}
};
using netlab::testing::read_text;

}  // namespace

TEST_CASE("StateDir writes state files atomically, never through a symlink", "[apply][state]") {
  TempRoot root;
  netlab::StateDir dir(root.path, "symlab");
  REQUIRE(dir.ensure().ok());
  const std::string victim = root.path + "/victim";
  { std::ofstream(victim) << "precious"; }
  REQUIRE(::symlink(victim.c_str(), (dir.path() + "/namespaces").c_str()) == 0);
  REQUIRE(dir.record_namespace("symlab-a").ok());
  CHECK(read_text(victim) == "precious");
  CHECK(fs::is_regular_file(fs::symlink_status(dir.path() + "/namespaces")));
  CHECK(read_text(dir.path() + "/namespaces").find("symlab-a") != std::string::npos);
}

TEST_CASE("StateDir leaves no temp file when a write fails", "[apply][state]") {
  TempRoot root;
  netlab::StateDir dir(root.path, "faillab");
  REQUIRE(dir.ensure().ok());
  // A directory where the file goes: the rename fails.
  fs::create_directory(dir.path() + "/namespaces");
  CHECK_FALSE(dir.record_namespace("faillab-a").ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename());
  CHECK(names == std::vector<std::string>{"namespaces"});
}
