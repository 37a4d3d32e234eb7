// The netlab binary's `status` line, on a lab that only reads the machine: a
// recorded topology that wants host sysctls other than the machine's values.
// Nothing is changed (status observes and plans, it never applies).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "netlab/state_dir.hpp"
#include "support/require_ok.hpp"
#include "support/system.hpp"

using namespace netlab;
namespace fs = std::filesystem;

namespace {

std::string read_sysctl(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  for (auto& c : path)
    if (c == '.') c = '/';
  std::ifstream in(path);
  std::string v;
  in >> v;
  return v;
}

// A value of `key` other than the machine's (for a 0/1 or a TTL-like key).
std::string other_value(const std::string& key) {
  std::string now = read_sysctl(key);
  REQUIRE_FALSE(now.empty());
  return now == "1" ? "0" : now == "64" ? "65" : "1";
}

struct Recorded {
  fs::path dir;
  std::string file, lab;
  Recorded(const std::string& suffix, const std::string& sysctls) {
    lab = "x" + std::to_string(getpid()) + "-" + suffix;
    dir = fs::temp_directory_path() / ("netlab-cli-" + lab);
    fs::create_directories(dir);
    file = (dir / "topo.yaml").string();
    std::string text = "name: " + lab + "\nhost:\n  sysctls: {" + sysctls + "}\n";
    std::ofstream(file) << text;
    StateDir state((dir / "state").string(), lab);
    REQUIRE_OK(state.ensure());
    StateDir::Applied applied;
    applied.file = file;
    applied.text = text;
    REQUIRE_OK(state.write_applied(applied));
  }
  ~Recorded() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  testing::Output status() const {
    return testing::run({NETLAB_BINARY, "status", file, "--state-dir", (dir / "state").string()});
  }
};

std::string last_line(const std::string& text) {
  std::string s = text;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') + 1);
}

}  // namespace

TEST_CASE("netlab status counts drifted objects in words", "[lab][cli]") {
  REQUIRE(access(NETLAB_BINARY, X_OK) == 0);
  const std::string ttl = "net.ipv4.ip_default_ttl", pmtu = "net.ipv4.ip_no_pmtu_disc";

  SECTION("none") {
    Recorded r("s0", ttl + ": " + read_sysctl(ttl));
    auto out = r.status();
    INFO(out.text);
    CHECK(out.exit_code == 0);
    CHECK(last_line(out.text) == "no drift");
  }
  SECTION("one") {
    std::string want = other_value(ttl);
    Recorded r("s1", ttl + ": " + want);
    auto out = r.status();
    INFO(out.text);
    CHECK(out.exit_code == 0);
    CHECK(out.text.find("drift: ~ sysctl " + ttl + " = " + want + " (is " + read_sysctl(ttl) +
                        ")") != std::string::npos);
    CHECK(last_line(out.text) == "1 object drifted: `netlab up` repairs it");
  }
  SECTION("two") {
    Recorded r("s2", ttl + ": " + other_value(ttl) + ", " + pmtu + ": " + other_value(pmtu));
    auto out = r.status();
    INFO(out.text);
    CHECK(out.exit_code == 0);
    CHECK(last_line(out.text) == "2 objects drifted: `netlab up` repairs them");
  }
}
