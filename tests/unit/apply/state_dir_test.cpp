#include "netlab/state_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
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
  std::sort(names.begin(), names.end());
  // root-links: the empty record a new directory starts with.
  CHECK(names == std::vector<std::string>{"namespaces", "root-links"});
}

TEST_CASE("StateDir records root links from a new directory on, never in an older one",
          "[apply][state]") {
  TempRoot root;
  SECTION("a directory made now starts an empty record, kept by what is recorded") {
    netlab::StateDir dir(root.path, "rootlab");
    CHECK_FALSE(dir.root_links().has_value());   // no directory: nothing is known
    REQUIRE(dir.record_root_link("br-x").ok());  // the lab's first object
    auto r = dir.root_links();
    REQUIRE(r.has_value());
    CHECK(*r == std::set<std::string>{"br-x"});
    REQUIRE(dir.record_root_link("veth-x").ok());
    REQUIRE(dir.forget_root_link("br-x").ok());
    CHECK(*dir.root_links() == std::set<std::string>{"veth-x"});
    netlab::StateDir fresh(root.path, "rootlab2");
    REQUIRE(fresh.ensure().ok());
    REQUIRE(fresh.root_links().has_value());
    CHECK(fresh.root_links()->empty());
  }
  SECTION("a directory made without the record (an older netlab) gets none") {
    fs::create_directories(root.path + "/oldlab");
    netlab::StateDir dir(root.path, "oldlab");
    REQUIRE(dir.ensure().ok());
    REQUIRE(dir.record_root_link("br-x").ok());
    CHECK_FALSE(dir.root_links().has_value());
    CHECK_FALSE(fs::exists(dir.path() + "/root-links"));
  }
}
