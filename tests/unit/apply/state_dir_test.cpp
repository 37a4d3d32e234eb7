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
    REQUIRE(dir.forget_root_link("br-x").ok());
    CHECK_FALSE(dir.root_links().has_value());
    CHECK_FALSE(fs::exists(dir.path() + "/root-links"));
  }
  SECTION("forgetting without a directory makes none") {
    netlab::StateDir dir(root.path, "nolab");
    REQUIRE(dir.forget_root_link("br-x").ok());
    CHECK_FALSE(dir.exists());
  }
}

TEST_CASE("StateDir appends one line per root link recorded or forgotten, read in order",
          "[apply][state]") {
  TempRoot root;
  netlab::StateDir dir(root.path, "loglab");
  REQUIRE(dir.record_root_link("vb").ok());
  REQUIRE(dir.record_root_link("va").ok());
  REQUIRE(dir.record_root_link("vb").ok());  // again: read once
  REQUIRE(dir.forget_root_link("va").ok());
  REQUIRE(dir.forget_root_link("vz").ok());  // never recorded: nothing to remove
  // Appended in the order of the calls, never the whole set rewritten
  // (that made recording 1000 root ends quadratic).
  CHECK(read_text(dir.path() + "/root-links") == "vb\nva\nvb\n- va\n- vz\n");
  CHECK(*dir.root_links() == std::set<std::string>{"vb"});
  // Recorded again after it was forgotten: the later line counts.
  REQUIRE(dir.record_root_link("va").ok());
  CHECK(*dir.root_links() == std::set<std::string>{"va", "vb"});
  REQUIRE(dir.forget_root_link("vb").ok());
  CHECK(*dir.root_links() == std::set<std::string>{"va"});
}

TEST_CASE("StateDir drops a root-links line cut short by a killed run", "[apply][state]") {
  TempRoot root;
  netlab::StateDir dir(root.path, "tornlab");
  REQUIRE(dir.record_root_link("va").ok());
  REQUIRE(dir.record_root_link("vb").ok());
  const std::string file = dir.path() + "/root-links";
  SECTION("a removal cut short removes nothing") {
    { std::ofstream(file, std::ios::app) << "- v"; }  // "- vb" was being written
    CHECK(*dir.root_links() == std::set<std::string>{"va", "vb"});
    // The next line does not join it: the cut line goes, "vc" is read whole.
    REQUIRE(dir.record_root_link("vc").ok());
    CHECK(read_text(file) == "va\nvb\nvc\n");
    CHECK(*dir.root_links() == std::set<std::string>{"va", "vb", "vc"});
  }
  SECTION("a name cut short is neither read nor glued to the next") {
    { std::ofstream(file, std::ios::app) << "vd"; }
    CHECK(*dir.root_links() == std::set<std::string>{"va", "vb"});
    REQUIRE(dir.forget_root_link("va").ok());
    CHECK(read_text(file) == "va\nvb\n- va\n");
    CHECK(*dir.root_links() == std::set<std::string>{"vb"});
  }
  SECTION("a file that is only a cut line") {
    { std::ofstream(file, std::ios::trunc) << "v"; }
    CHECK(dir.root_links()->empty());
    REQUIRE(dir.record_root_link("ve").ok());
    CHECK(read_text(file) == "ve\n");
  }
}

TEST_CASE("StateDir keeps each of 4000 root links recorded, one line each", "[apply][state]") {
  TempRoot root;
  netlab::StateDir dir(root.path, "biglab");
  // As a 4000-link lab's up records them: each record appends its own line.
  for (int i = 0; i < 4000; ++i) REQUIRE(dir.record_root_link("h" + std::to_string(i)).ok());
  auto r = dir.root_links();
  REQUIRE(r.has_value());
  CHECK(r->size() == 4000);
  // In the order made (a set rewritten per record would put h10 before h2).
  std::string text = read_text(dir.path() + "/root-links");
  CHECK(text.rfind("h0\nh1\nh2\nh3\n", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 4000);
}

TEST_CASE("StateDir drops the root-links record once a netlab from before it wrote lab.json",
          "[apply][state]") {
  TempRoot root;
  netlab::StateDir dir(root.path, "mixlab");
  REQUIRE(dir.record_root_link("va").ok());
  netlab::StateDir::Applied applied;
  applied.file = "/x/topo.yaml";
  applied.text = "name: mixlab\n";
  REQUIRE(dir.write_applied(applied).ok());
  // A netlab that keeps the record says so in lab.json, and trusts it after.
  CHECK(read_text(dir.path() + "/lab.json").find("root_links_recorded") != std::string::npos);
  REQUIRE(dir.root_links().has_value());
  REQUIRE(dir.write_applied(applied).ok());
  CHECK(*dir.root_links() == std::set<std::string>{"va"});
  // An older netlab's up writes lab.json without the key (and makes root
  // links it does not record): the record is no longer the whole truth.
  { std::ofstream(dir.path() + "/lab.json") << R"({"lab": "mixlab", "file": "/x/topo.yaml"})"; }
  CHECK_FALSE(dir.root_links().has_value());
  // Nor again after this netlab writes lab.json: the record is gone.
  REQUIRE(dir.write_applied(applied).ok());
  CHECK_FALSE(fs::exists(dir.path() + "/root-links"));
  CHECK_FALSE(dir.root_links().has_value());
  CHECK(read_text(dir.path() + "/lab.json").find("root_links_recorded") == std::string::npos);
  REQUIRE(dir.read_applied().ok());
}
