// Services on the fakes: refused without --allow-services; started after the
// network, ready when their port is bound; a dead or changed service is
// restarted and nothing else; a removed one stopped; one that exits at once
// or never gets ready fails `up` with its log, and the rollback leaves the
// machine as it was.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lab_fixture.hpp"
#include "support/require_ok.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

std::string topology(const std::string& http_command, bool with_worker = true,
                     const std::string& extra = "") {
  std::string t = R"(
name: sv
namespaces:
  web:
    interfaces:
      eth0: {addresses: [10.7.0.1/24]}
    services:
      http:
        command: )" +
                  http_command + R"(
        ready: {tcp: 8080}
        timeout: 1s
        env: {GREETING: hello}
        workdir: /tmp
)" + extra;
  if (with_worker)
    t += R"(
  cli:
    interfaces:
      eth0: {addresses: [10.7.0.2/24]}
    services:
      worker:
        command: [sleep, "1000"]
        after: [http]
)";
  else
    t += R"(
  cli:
    interfaces:
      eth0: {addresses: [10.7.0.2/24]}
)";
  t += R"(
links:
  - [web:eth0, cli:eth0]
)";
  return t;
}

const std::string kHttp = R"([python3, -m, http.server, "8080"])";

// python3 "binds" its port in its namespace as soon as it is spawned.
struct World : FakeWorld {
  World() {
    processes->on_spawn("python3", [this](int, const std::vector<std::string>&) {
      processes->set_port_bound("web", true, 8080);
    });
  }
  LabOptions allowed() const {
    LabOptions o = options();
    o.allow_services = true;
    return o;
  }
  std::vector<FakeCall> spawns() const { return processes->calls_of("spawn"); }
  int pid_of(const std::string& argv0) const {
    int pid = 0;
    for (const auto& c : spawns())
      if (c.argv[0] == argv0) pid = c.pid;
    return pid;
  }
};

std::vector<std::string> shown(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan.actions) out.push_back(format_action(a));
  return out;
}

}  // namespace

TEST_CASE("services are refused unless the user allows them", "[lab][services]") {
  World w;
  auto before = w.kernel->snapshot();
  Lab lab = w.load(topology(kHttp));
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().kind == ErrorKind::Permission);
  CHECK_THAT(up.error().message, Catch::Contains("service 'http' (and 1 more)"));
  CHECK_THAT(up.error().message, Catch::Contains("--allow-services"));
  CHECK(up.error().where.line == 8);
  CHECK(w.spawns().empty());
  CHECK(w.kernel->snapshot() == before);
  // `plan` shows what would run, without running anything.
  auto plan = lab.plan();
  REQUIRE_OK(plan);
  auto lines = shown(*plan);
  CHECK(std::count(lines.begin(), lines.end(),
                   "+ service http (missing; runs python3 -m http.server 8080)") == 1);
}

TEST_CASE("services start after the network, ready, and down stops them", "[lab][services]") {
  World w;
  auto before = w.kernel->snapshot();
  Lab lab = w.load(topology(kHttp), w.allowed());
  auto up = lab.up();
  REQUIRE_OK(up);
  // Services come last, each after every network action; worker after http.
  const auto& actions = up->plan.actions;
  REQUIRE(actions.size() >= 2);
  const Action& http = actions[actions.size() - 2];
  const Action& worker = actions.back();
  CHECK(http.resource == "service");
  CHECK(http.object == "http");
  CHECK(worker.object == "worker");
  CHECK(http.deps.size() == actions.size() - 2);
  CHECK(std::find(worker.deps.begin(), worker.deps.end(), actions.size() - 2) != worker.deps.end());

  auto spawns = w.spawns();
  REQUIRE(spawns.size() == 2);
  CHECK(spawns[0].ns == "web");
  CHECK(spawns[0].argv == std::vector<std::string>{"python3", "-m", "http.server", "8080"});
  CHECK(spawns[0].options.workdir == "/tmp");
  CHECK(spawns[0].options.env ==
        std::vector<std::pair<std::string, std::string>>{{"GREETING", "hello"}});
  const std::string state = w.options().state_root + "/sv";
  CHECK(spawns[0].options.log_file == state + "/services/http.log");
  CHECK(std::filesystem::exists(state + "/services/http.pid"));
  CHECK(spawns[1].ns == "cli");

  auto status = lab.status();
  REQUIRE_OK(status);
  int rows = 0;
  for (const auto& e : status->entries)
    if (e.resource == "service") {
      ++rows;
      CHECK_THAT(e.state, Catch::StartsWith("running, pid "));
      CHECK(e.drift.empty());
    }
  CHECK(rows == 2);

  auto again = lab.up();
  REQUIRE_OK(again);
  CHECK(again->plan.empty());
  CHECK(w.spawns().size() == 2);

  REQUIRE_OK(lab.down());
  CHECK(w.processes->alive_pids().empty());
  CHECK(w.kernel->snapshot() == before);
  CHECK_FALSE(std::filesystem::exists(state));
}

TEST_CASE("a dead service is restarted, and nothing else", "[lab][services]") {
  World w;
  Lab lab = w.load(topology(kHttp), w.allowed());
  REQUIRE_OK(lab.up());
  int http = w.pid_of("python3"), worker = w.pid_of("sleep");
  w.processes->exit_process(http, 137);

  auto status = lab.status();
  REQUIRE_OK(status);
  for (const auto& e : status->entries)
    if (e.object == "http") {
      CHECK_THAT(e.state, Catch::StartsWith("exited with exit code 137"));
      CHECK_THAT(e.drift, Catch::Contains("not running"));
    }

  auto plan = lab.plan();
  REQUIRE_OK(plan);
  REQUIRE(plan->actions.size() == 1);
  CHECK(format_action(plan->actions[0]) == "+ service http (not running: pid " +
                                               std::to_string(http) +
                                               " is gone; runs python3 -m http.server 8080)");
  REQUIRE_OK(lab.up());
  CHECK(w.spawns().size() == 3);
  CHECK(w.pid_of("python3") != http);
  CHECK(w.processes->inspect(worker).alive);
  CHECK(w.processes->calls_of("terminate").empty());
  REQUIRE_OK(lab.down());
}

TEST_CASE("a changed service is restarted, a removed one stopped, nothing else",
          "[lab][services]") {
  World w;
  REQUIRE_OK(w.load(topology(kHttp), w.allowed()).up());
  int http = w.pid_of("python3"), worker = w.pid_of("sleep");

  Lab changed =
      w.load(topology(R"([python3, -m, http.server, "8080", --bind, 10.7.0.1])"), w.allowed());
  auto plan = changed.plan();
  REQUIRE_OK(plan);
  REQUIRE(plan->actions.size() == 1);
  CHECK(format_action(plan->actions[0]) ==
        "~ service http (definition changed: restart; runs python3 -m http.server 8080 --bind "
        "10.7.0.1)");
  REQUIRE_OK(changed.up());
  CHECK_FALSE(w.processes->inspect(http).alive);
  int http2 = w.pid_of("python3");
  CHECK(http2 != http);
  CHECK(w.spawns().back().argv.back() == "10.7.0.1");
  CHECK(w.processes->inspect(worker).alive);

  Lab removed = w.load(topology(kHttp, false), w.allowed());
  auto plan2 = removed.plan();
  REQUIRE_OK(plan2);
  // The new http definition differs again; worker goes.
  auto lines = shown(*plan2);
  CHECK(std::count(lines.begin(), lines.end(),
                   "- service worker (owned but no longer in topology)") == 1);
  REQUIRE_OK(removed.up());
  CHECK_FALSE(w.processes->inspect(worker).alive);
  REQUIRE_OK(removed.down());
  CHECK(w.processes->alive_pids().empty());
}

TEST_CASE("a service that exits at once fails up with its log, and rolls back",
          "[lab][services][rollback]") {
  World w;
  auto before = w.kernel->snapshot();
  w.processes->on_spawn("false", [&](int pid, const std::vector<std::string>&) {
    for (const auto& c : w.processes->calls_of("spawn"))
      if (c.pid == pid) std::ofstream(c.options.log_file) << "starting\nboom: no config\n";
    w.processes->exit_process(pid, 2);
  });
  Lab lab = w.load(topology(kHttp, false, R"(
      bad:
        command: ["false"]
        after: [http]
)"),
                   w.allowed());
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  INFO(up.error().str());
  CHECK_THAT(up.error().message,
             Catch::Contains("service 'bad' (web) exited at once with exit code 2"));
  CHECK_THAT(up.error().message, Catch::Contains("boom: no config"));
  CHECK(w.processes->alive_pids().empty());
  CHECK(w.kernel->snapshot() == before);
  CHECK_FALSE(std::filesystem::exists(w.options().state_root + "/sv"));
}

TEST_CASE("a service never ready fails up after its timeout, and rolls back",
          "[lab][services][rollback]") {
  World w;
  auto before = w.kernel->snapshot();
  // sleep never binds 8080.
  Lab lab = w.load(topology(R"([sleep, "1000"])", false), w.allowed());
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().kind == ErrorKind::Timeout);
  CHECK_THAT(up.error().message,
             Catch::Contains("service 'http' (web) not ready (tcp 8080) within 1 s"));
  CHECK(w.processes->alive_pids().empty());
  CHECK(w.kernel->snapshot() == before);
}

TEST_CASE("a service's program not in PATH is refused at plan time, at its position",
          "[lab][services]") {
  World w;
  Lab lab = w.load(topology(R"([netlab-no-such-program, "1"])", false), w.allowed());
  auto plan = lab.plan();
  REQUIRE_FALSE(plan.ok());
  INFO(plan.error().str());
  CHECK(plan.error().where.line == 8);
  CHECK_THAT(plan.error().message,
             Catch::Contains("service 'http': command 'netlab-no-such-program' is not found in "
                             "PATH"));
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK(w.spawns().empty());
}

TEST_CASE("a running service that stops being ready shows in status, and up says so",
          "[lab][services]") {
  World w;
  Lab lab = w.load(topology(kHttp, false), w.allowed());
  REQUIRE_OK(lab.up());
  w.processes->set_port_bound("web", true, 8080, false);
  auto status = lab.status();
  REQUIRE_OK(status);
  bool seen = false;
  for (const auto& e : status->entries)
    if (e.object == "http") {
      seen = true;
      CHECK_THAT(e.state, Catch::EndsWith(", not ready"));
    }
  CHECK(seen);
  // Nothing to apply, but up returns only when the lab is usable.
  auto up = lab.up();
  REQUIRE_FALSE(up.ok());
  CHECK(up.error().kind == ErrorKind::Timeout);
  CHECK_THAT(up.error().message, Catch::Contains("service 'http' (pid "));
  CHECK_THAT(up.error().message, Catch::Contains("runs but is not ready"));
  REQUIRE_OK(lab.down());
}

TEST_CASE("down stops what runs inside the lab's namespaces, and nothing outside them",
          "[lab][services]") {
  // A service's child that left its group (setsid) or a shell opened with
  // `netlab exec` would keep a deleted namespace, and its veth's other
  // end, alive.
  World w;
  Lab lab = w.load(topology(kHttp, false), w.allowed());
  REQUIRE_OK(lab.up());
  int stray = w.processes->add_process("cli", {"sleep", "3000"});
  int outside = w.processes->add_process("", {"sleep", "3000"});
  int other = w.processes->add_process("elsewhere", {"sleep", "3000"});
  REQUIRE_OK(lab.down());
  auto alive = w.processes->alive_pids();
  CHECK(std::find(alive.begin(), alive.end(), stray) == alive.end());
  CHECK(std::find(alive.begin(), alive.end(), outside) != alive.end());
  CHECK(std::find(alive.begin(), alive.end(), other) != alive.end());
  bool stray_terminated = false;
  for (const auto& c : w.processes->calls_of("terminate")) {
    CHECK(c.pid != outside);
    CHECK(c.pid != other);
    stray_terminated |= c.pid == stray;
  }
  CHECK(stray_terminated);
}
