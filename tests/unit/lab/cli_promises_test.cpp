// The README's promises about the command line, on the real machine with the
// real binary (issues 10 and 17): `status FILE` compares with FILE, `status
// LAB` with the last up; a lab name is owned by one file; --adopt owns for
// good; usage errors exit 1 and name the problem; a plain user gets one line
// saying netlab needs root. Each lab uses names unique to this process and
// its own state directory, and is taken down even when a check fails.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/system.hpp"

using namespace netlab;
namespace fs = std::filesystem;

namespace {

// A one-namespace lab: PREFIX + "n" with a veth to the host, an address on
// each end, in files a.yaml and b.yaml of a private directory.
struct Files {
  std::string prefix = testing::unique_name("-");  // e.g. "t1234a-"
  fs::path dir = fs::temp_directory_path() / ("netlab-promises-" + prefix);
  std::string state = (dir / "state").string();
  std::string lab = prefix + "promise";
  std::string ns = prefix + "n";
  int net = 100 + getpid() % 100;

  Files() { fs::create_directories(dir); }
  ~Files() {
    testing::run({NETLAB_BINARY, "down", lab, "--state-dir", state, "-q"});
    testing::remove_namespace(ns);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // `host_octet` varies the host end's address between versions of the file.
  std::string write(const std::string& name, int host_octet) const {
    std::string path = (dir / name).string();
    std::ofstream(path) << "name: promise\n"
                        << "namespaces:\n"
                        << "  n:\n"
                        << "    interfaces:\n"
                        << "      e0: {addresses: [10.213." << net << ".2/24]}\n"
                        << "links:\n"
                        << "  - [n:e0, host:h]\n"
                        << "host:\n"
                        << "  interfaces:\n"
                        << "    h: {addresses: [10.213." << net << "." << host_octet << "/24]}\n";
    return path;
  }
  testing::Output netlab(std::vector<std::string> args) const {
    args.insert(args.begin(), NETLAB_BINARY);
    for (const char* a : {"--state-dir", state.c_str(), "--prefix", prefix.c_str()})
      args.push_back(a);
    return testing::run_both(args);
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("status FILE compares with FILE, status LAB with the last up", "[lab][cli][real]") {
  Files f;
  std::string a = f.write("a.yaml", 1), b = f.write("b.yaml", 3);
  SECTION("a lab that is not up") {
    auto out = f.netlab({"status", a});
    CHECK(out.exit_code == 1);
    CHECK(contains(out.err, "lab " + f.lab + " is not up"));
  }
  SECTION("a lab that is up") {
    auto up = f.netlab({"up", a});
    REQUIRE(up.exit_code == 0);
    auto same = f.netlab({"status", a});
    INFO(same.text << same.err);
    CHECK(same.exit_code == 0);
    CHECK(contains(same.text, ", compared with " + a));
    CHECK(contains(same.text, "no drift"));

    auto other = f.netlab({"status", b});
    INFO(other.text << other.err);
    CHECK(other.exit_code == 0);
    CHECK(contains(other.text, ", compared with " + b));
    CHECK(contains(other.text, "10.213." + std::to_string(f.net) + ".3/24"));
    CHECK_FALSE(contains(other.text, "no drift"));

    // By name: the topology of the last up (a), whatever b says.
    auto by_name = testing::run_both({NETLAB_BINARY, "status", f.lab, "--state-dir", f.state});
    INFO(by_name.text << by_name.err);
    CHECK(by_name.exit_code == 0);
    CHECK(contains(by_name.text, "compared with the topology of its last up (" + a + ")"));
    CHECK(contains(by_name.text, "no drift"));
  }
}

TEST_CASE("a lab name that another file brought up is refused unless --replace",
          "[lab][cli][real]") {
  Files f;
  std::string a = f.write("a.yaml", 1);
  fs::create_directories(f.dir / "elsewhere");
  std::string b = f.write("elsewhere/a.yaml", 1);  // same text, same stem, other file
  REQUIRE(f.netlab({"up", a}).exit_code == 0);

  auto refused = f.netlab({"up", b});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "lab '" + f.lab + "' is up from " + a));
  CHECK(contains(refused.err, b + " has the same lab name"));
  auto plan = f.netlab({"plan", b});
  CHECK(plan.exit_code == 1);
  // Nothing of the first lab was touched.
  CHECK(f.netlab({"plan", a, "--detailed-exitcode"}).exit_code == 0);

  auto replaced = f.netlab({"up", b, "--replace"});
  INFO(replaced.err);
  CHECK(replaced.exit_code == 0);
  // Now b owns the name: a is the other file.
  CHECK(f.netlab({"up", b}).exit_code == 0);
  CHECK(f.netlab({"up", a}).exit_code == 1);
}

TEST_CASE("Adopting: --adopt makes a hand-made namespace the lab's for good", "[lab][cli][real]") {
  Files f;
  std::string a = f.write("a.yaml", 1);
  REQUIRE(testing::run({"ip", "netns", "add", f.ns}).exit_code == 0);

  auto conflict = f.netlab({"up", a});
  CHECK(conflict.exit_code == 1);
  CHECK(contains(conflict.err, "namespace '" + f.ns + "' exists but was not created by lab"));

  auto plan = f.netlab({"plan", a, "--adopt"});
  CHECK(plan.exit_code == 0);
  CHECK(contains(plan.text, "~   namespace " + f.ns + "  (adopt: made outside netlab"));

  REQUIRE(f.netlab({"up", a, "--adopt"}).exit_code == 0);
  // Later runs without --adopt manage it: no conflict, nothing to do.
  auto again = f.netlab({"plan", a, "--detailed-exitcode"});
  INFO(again.text << again.err);
  CHECK(again.exit_code == 0);
  // And down removes it like any namespace of the lab.
  CHECK(testing::run({NETLAB_BINARY, "down", f.lab, "--state-dir", f.state}).exit_code == 0);
  CHECK_FALSE(testing::namespace_exists(f.ns));
}

TEST_CASE("usage errors exit 1 and name the problem", "[cli]") {
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), NETLAB_BINARY);
    return testing::run_both(args);
  };
  auto bogus = run({"bogus"});
  CHECK(bogus.exit_code == 1);
  CHECK(contains(bogus.err, "unknown command 'bogus'"));
  auto typo = run({"stauts"});
  CHECK(typo.exit_code == 1);
  CHECK(contains(typo.err, "unknown command 'stauts' (did you mean 'status'?)"));
  auto none = run({});
  CHECK(none.exit_code == 1);
  CHECK(contains(none.err, "no command given"));
  auto exec = run({"exec", "app", "ip", "-br", "addr"});
  CHECK(exec.exit_code == 1);
  CHECK(contains(exec.err, "put -- before the command"));
  auto missing = run({"up"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "netlab up --help"));
  CHECK(run({"--help"}).exit_code == 0);
  CHECK(run({"--version"}).exit_code == 0);
}

TEST_CASE("netlab test on a lab that is not up says so and exits 1", "[lab][cli]") {
  Files f;
  std::string a = f.write("a.yaml", 1);
  auto out = f.netlab({"test", a});
  CHECK(out.exit_code == 1);
  CHECK(contains(out.err, "lab " + f.lab + " is not up"));
  CHECK_FALSE(contains(out.text, "FAIL"));
}

TEST_CASE("a plain user gets one line saying netlab needs root", "[cli]") {
  Files f;
  std::string a = f.write("a.yaml", 1);
  fs::permissions(f.dir, fs::perms::all);  // nobody may read the file
  fs::permissions(a, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  auto as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"setpriv",        "--reuid=65534",   "--regid=65534",
                                     "--clear-groups", "--inh-caps=-all", NETLAB_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_both(argv);
  };
  for (const char* command : {"up", "down", "status", "test"}) {
    INFO(command);
    auto out = as_nobody({command, a, "--state-dir", f.state});
    CHECK(out.exit_code == 1);
    CHECK(contains(out.err, std::string("netlab ") + command +
                                " needs root (CAP_NET_ADMIN and "
                                "CAP_SYS_ADMIN"));
    CHECK(std::count(out.err.begin(), out.err.end(), '\n') == 1);
  }
  auto plan = as_nobody({"plan", a});
  CHECK(plan.exit_code == 1);
  CHECK(contains(plan.err, "netlab plan --offline"));
  // What needs no privilege still works.
  CHECK(as_nobody({"validate", a}).exit_code == 0);
  CHECK(as_nobody({"graph", a}).exit_code == 0);
  auto offline = as_nobody({"plan", "--offline", a});
  INFO(offline.err);
  CHECK(offline.exit_code == 0);
  CHECK(contains(offline.text, "+   namespace n"));
  CHECK_FALSE(fs::exists(f.state));
}

TEST_CASE("a name with control bytes reaches the terminal escaped", "[cli]") {
  // A hostile topology could otherwise drive the terminal or CI log (ESC ...).
  auto out = testing::run_both({NETLAB_BINARY, "validate",
                                NETLAB_SOURCE_DIR "/tests/data/invalid/ifname-control-char.yaml"});
  CHECK(out.exit_code == 1);
  CHECK(contains(out.err, "a\\x01b"));
  for (unsigned char c : out.err) {
    INFO(static_cast<int>(c));
    CHECK((c >= 0x20 || c == '\n' || c == '\t'));
  }
}
