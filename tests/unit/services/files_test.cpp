#include "services/files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using netlab::services::write_file_atomic;

namespace {

struct TempDir : netlab::testing::TempDir {
  TempDir() : netlab::testing::TempDir("files-test") {}
};
using netlab::testing::read_text;

/// Names in `dir` (to see a temp file left behind).
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("write_file_atomic replaces the file with the given mode", "[services][files]") {
  TempDir d;
  const std::string p = d.path + "/state.json";
  REQUIRE(write_file_atomic(p, "old", 0600).ok());
  REQUIRE(write_file_atomic(p, "new", 0640).ok());
  CHECK(read_text(p) == "new");
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(entries(d.path) == std::vector<std::string>{"state.json"});
}

TEST_CASE("write_file_atomic does not follow a symlink at the target", "[services][files]") {
  TempDir d;
  const std::string victim = d.path + "/victim", p = d.path + "/state.json";
  { std::ofstream(victim) << "precious"; }
  REQUIRE(::symlink(victim.c_str(), p.c_str()) == 0);
  REQUIRE(write_file_atomic(p, "written", 0600).ok());
  CHECK(read_text(victim) == "precious");
  CHECK(fs::is_regular_file(fs::symlink_status(p)));
  CHECK(read_text(p) == "written");
}

TEST_CASE("write_file_atomic never writes through a link at its temp name", "[services][files]") {
  TempDir d;
  const std::string victim = d.path + "/victim", p = d.path + "/state.json";
  const std::string tmp = p + ".tmp." + std::to_string(::getpid());
  { std::ofstream(victim) << "precious"; }
  SECTION("a symlink") { REQUIRE(::symlink(victim.c_str(), tmp.c_str()) == 0); }
  SECTION("a hard link") { REQUIRE(::link(victim.c_str(), tmp.c_str()) == 0); }
  REQUIRE(write_file_atomic(p, "written", 0600).ok());
  CHECK(read_text(victim) == "precious");
  CHECK(read_text(p) == "written");
  CHECK(!fs::exists(fs::symlink_status(tmp)));
}

TEST_CASE("write_file_atomic removes its temp file when it fails", "[services][files]") {
  TempDir d;
  // A directory at the target: the final rename fails (EISDIR).
  const std::string p = d.path + "/state.json";
  REQUIRE(::mkdir(p.c_str(), 0700) == 0);
  auto st = write_file_atomic(p, "text", 0600);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("write " + p) == 0);
  CHECK(entries(d.path) == std::vector<std::string>{"state.json"});
  CHECK(fs::is_directory(p));
}
