// A Catch2 test program that embeds netlab: LabFixture brings the lab of
// lab.yaml up before each test and takes it down after it, also when the test
// fails (a failed REQUIRE throws; the fixture's members are destroyed while the
// exception unwinds, and LabGuard's destructor runs `down`).
//
// Every run has its own names: the prefix (NETLAB_PREFIX, default "x<pid>-")
// goes in front of the lab and namespace names, and the lab state lives in a
// private directory under /run (NETLAB_STATE_ROOT, default a new temporary
// one). Parallel copies of this program and other labs never collide.
//
//   fixture_test                           the tests (needs root)
//   fixture_test "[deliberate-failure]"    a test that fails on purpose
#define CATCH_CONFIG_MAIN
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <netlab/capture.hpp>
#include <netlab/check.hpp>
#include <netlab/lab.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// Where netlab keeps the lab's state: NETLAB_STATE_ROOT when given (the
// caller owns that directory), else a new directory under /run that goes
// away with this object. A complete `down` leaves the root empty; if it is
// not, the state of a lab that is still (partly) up is kept for `netlab down`.
class StateRoot {
 public:
  StateRoot() {
    path_ = env_or("NETLAB_STATE_ROOT", "");
    if (!path_.empty()) return;
    char tmpl[] = "/run/netlab-fixture.XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a state directory under /run");
    path_ = tmpl;
    owned_ = true;
  }
  ~StateRoot() {
    std::error_code ec;
    if (owned_ && !std::filesystem::remove(path_, ec))
      std::cerr << "fixture: ERROR: " << path_
                << " is not empty: a lab is left, see netlab ls --state-dir " << path_ << "\n";
  }
  StateRoot(const StateRoot&) = delete;
  StateRoot& operator=(const StateRoot&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

// Owns a loaded lab and takes it down when it goes out of scope, however the
// scope is left. `down` removes only what the lab created; it is a no-op for
// a lab that never came up.
class LabGuard {
 public:
  explicit LabGuard(netlab::Lab lab) : lab_(std::move(lab)) {}
  ~LabGuard() {
    auto down = lab_.down();
    if (down.ok()) {
      std::cerr << "fixture: lab " << lab_.name() << " is down\n";
    } else {  // a destructor cannot fail the test: say it loudly
      std::cerr << "fixture: ERROR: down of lab " << lab_.name() << ": " << down.error().str()
                << "\n";
    }
  }
  LabGuard(const LabGuard&) = delete;
  LabGuard& operator=(const LabGuard&) = delete;
  netlab::Lab& operator*() { return lab_; }
  netlab::Lab* operator->() { return &lab_; }

 private:
  netlab::Lab lab_;
};

netlab::Lab load_lab(const std::string& prefix, const std::string& state_root,
                     const std::string& file = env_or("NETLAB_TOPOLOGY", FIXTURE_TOPOLOGY),
                     bool allow_services = false) {
  netlab::LabOptions options;
  options.prefix = prefix;
  options.state_root = state_root;
  // A topology file may only shape networking unless the caller allows the
  // commands of its services: this program allows those of its own web.yaml.
  options.allow_services = allow_services;
  auto lab = netlab::Lab::load(file, options);
  if (!lab.ok()) throw std::runtime_error("netlab load: " + lab.error().str());
  return std::move(*lab);
}

}  // namespace

// The lab, up for the lifetime of the fixture. Members are destroyed in
// reverse order: the lab goes down first, then its state directory.
class LabFixture {
 public:
  LabFixture()
      : prefix_(env_or("NETLAB_PREFIX", "x" + std::to_string(getpid()) + "-")),
        lab_(load_lab(prefix_, state_root_.path())) {
    // If up fails, the exception destroys lab_ (down: nothing left behind).
    auto up = lab_->up();
    if (!up.ok()) throw std::runtime_error("netlab up: " + up.error().str());
  }

  /// The live name of namespace `name` of lab.yaml.
  std::string ns(const std::string& name) const { return prefix_ + name; }

  /// Runs argv inside namespace `name` of lab.yaml (no shell).
  netlab::CommandResult run_in(const std::string& name, const std::vector<std::string>& argv) {
    auto r = lab_->processes().run(ns(name), argv, std::chrono::seconds(10));
    if (!r.ok()) throw std::runtime_error("run in " + ns(name) + ": " + r.error().str());
    return *r;
  }

  /// Changes the conditions of link end `end` ("left:eth0", as in lab.yaml;
  /// "{loss: 20%}", "" for none) and applies the change: one plan row.
  void set_conditions(const std::string& end, const std::string& conditions) {
    if (auto st = lab_->set_conditions(end, conditions); !st.ok())
      throw std::runtime_error("conditions of " + end + ": " + st.error().str());
    apply();
  }
  /// Sets link end `end` down (false) or up again, and applies it.
  void set_link_state(const std::string& end, bool up) {
    if (auto st = lab_->set_link_state(end, up); !st.ok())
      throw std::runtime_error("state of " + end + ": " + st.error().str());
    apply();
  }

  /// Packet loss in percent over `count` pings from namespace `from` to `to`
  /// at 10 ms intervals, as ping reports it.
  double ping_loss(const std::string& from, const std::string& to, int count) {
    auto r = run_in(from,
                    {"ping", "-q", "-n", "-c", std::to_string(count), "-i", "0.01", "-W", "1", to});
    auto at = r.output.find("% packet loss");
    if (at == std::string::npos) throw std::runtime_error("ping: " + r.output);
    auto start = r.output.rfind(' ', at);
    return std::stod(r.output.substr(start + 1, at - start - 1));
  }

  /// The assertions under `tests:` in lab.yaml, as `netlab test` runs them.
  std::vector<netlab::CheckResult> run_lab_checks() {
    netlab::CheckContext ctx{*lab_->topology(), lab_->kernel(), lab_->processes(),
                             lab_->state().path()};
    return netlab::run_checks(ctx, 4);
  }

 protected:
  void apply() {
    auto up = lab_->up();
    if (!up.ok()) throw std::runtime_error("netlab up: " + up.error().str());
  }

  std::string prefix_;
  StateRoot state_root_;
  LabGuard lab_;
};

TEST_CASE_METHOD(LabFixture, "the lab's own assertions pass", "[lab]") {
  auto results = run_lab_checks();
  REQUIRE(results.size() == 3);  // the three entries under tests: in lab.yaml
  for (const auto& r : results) {
    INFO(r.name << ": expected " << r.expected << ", got " << r.actual);
    CHECK(r.passed);
  }
}

TEST_CASE_METHOD(LabFixture, "commands run inside the lab namespaces", "[lab]") {
  CHECK(std::filesystem::exists("/run/netns/" + ns("left")));
  auto addr = run_in("right", {"ip", "-4", "-o", "addr", "show", "dev", "eth0"});
  INFO(addr.output);
  CHECK(addr.exit_code == 0);
  CHECK_THAT(addr.output, Catch::Contains("10.99.0.2/24"));

  auto ping = run_in("left", {"ping", "-c", "1", "-W", "2", "10.99.0.2"});
  INFO(ping.output);
  REQUIRE(ping.exit_code == 0);
}

// A capture is an object: it records from start() until stop() (or its
// destructor); the file is a pcap that tcpdump and Wireshark read.
TEST_CASE_METHOD(LabFixture, "a capture records the packets of the test", "[lab]") {
  std::string file =
      (std::filesystem::temp_directory_path() / (ns("left") + "-eth0.pcap")).string();
  // Declared before the capture, so destroyed after it: the file goes when
  // the test ends, however it ends (keep it to look at it with tcpdump -r).
  struct RemoveFile {
    std::string path;
    ~RemoveFile() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } remove_file{file};
  netlab::CaptureOptions options;
  options.netns = ns("left");
  options.interface = "eth0";
  options.filter = "icmp";
  options.path = file;
  auto capture = netlab::Capture::start(options);
  INFO((capture.ok() ? "" : capture.error().str()));
  REQUIRE(capture.ok());
  auto ping = run_in("left", {"ping", "-c", "3", "-i", "0.01", "-W", "2", "10.99.0.2"});
  REQUIRE(ping.exit_code == 0);
  auto stats = (*capture)->stop();
  REQUIRE(stats.ok());
  CHECK(stats->packets == 6);  // 3 echo requests, 3 replies
}

// Link conditions between test steps: the fixture edits the loaded topology
// and re-applies it; the lab's file is not touched.
TEST_CASE_METHOD(LabFixture, "a link drops to 20 % loss and back", "[lab][conditions]") {
  set_conditions("left:eth0", "{loss: 20%}");  // what left sends: 20 % lost
  // ARP is lost too (as on a wire), and a lost neighbour probe takes the
  // pings queued behind it (30.5 % seen once at 20 %): resolve the neighbour
  // first (one ping, retried for up to 5 s), then measure.
  REQUIRE(run_in("left", {"ping", "-c", "1", "-w", "5", "10.99.0.2"}).exit_code == 0);
  const double lossy = ping_loss("left", "10.99.0.2", 200);
  INFO("loss " << lossy << " %");
  // 200 pings at 20 %: standard deviation 2.8 points; 4 of them each side.
  CHECK(lossy >= 9.0);
  CHECK(lossy <= 32.0);
  set_conditions("left:eth0", "");
  CHECK(ping_loss("left", "10.99.0.2", 50) == 0.0);
}

TEST_CASE_METHOD(LabFixture, "a link set down and up again", "[lab][conditions]") {
  set_link_state("left:eth0", false);
  auto down = run_in("left", {"ping", "-c", "1", "-W", "1", "10.99.0.2"});
  CHECK(down.exit_code != 0);
  set_link_state("left:eth0", true);
  auto up = run_in("left", {"ping", "-c", "1", "-W", "2", "10.99.0.2"});
  INFO(up.output);
  CHECK(up.exit_code == 0);
}

TEST_CASE("the fixture takes its lab down when it goes out of scope", "[lab]") {
  std::string left;
  {
    LabFixture fixture;
    left = "/run/netns/" + fixture.ns("left");
    REQUIRE(std::filesystem::exists(left));
  }
  CHECK_FALSE(std::filesystem::exists(left));
}

// A service of the lab: web.yaml's HTTP server in `server`, started by `up`,
// which returns once it listens; fetched from `client` at once.
class WebFixture {
 public:
  WebFixture()
      : prefix_(env_or("NETLAB_PREFIX", "x" + std::to_string(getpid()) + "-")),
        lab_(load_lab(prefix_, state_root_.path(), WEB_TOPOLOGY, true)) {
    auto up = lab_->up();
    if (!up.ok()) throw std::runtime_error("netlab up: " + up.error().str());
  }

 protected:
  std::string prefix_;
  StateRoot state_root_;
  LabGuard lab_;
};

TEST_CASE_METHOD(WebFixture, "a service in one namespace answers another at once", "[lab]") {
  auto get = lab_->processes().run(
      prefix_ + "client",
      {"curl", "-sf", "--max-time", "5", "-o", "/dev/null", "http://10.98.0.1:8080/"},
      std::chrono::seconds(10));
  REQUIRE(get.ok());
  INFO(get->output);
  CHECK(get->exit_code == 0);
  // The server logged the request (its stderr, in the lab's state directory).
  auto log = lab_->service_log("http");
  REQUIRE(log.ok());
  CHECK_THAT(*log, Catch::Contains("\"GET / HTTP/1.1\" 200"));
}

// Hidden ([.]): run it by its tag. It fails on purpose; the lab must still be
// gone afterwards (tests/scripts/examples.sh checks that).
TEST_CASE_METHOD(LabFixture, "a failing check still tears the lab down",
                 "[.][deliberate-failure]") {
  // Nobody in the lab has 10.99.0.3: no reply.
  auto ping = run_in("left", {"ping", "-c", "1", "-W", "1", "10.99.0.3"});
  INFO(ping.output);
  REQUIRE(ping.exit_code == 0);
}
