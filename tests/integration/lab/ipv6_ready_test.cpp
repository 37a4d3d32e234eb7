// `up` returns a lab that is ready: IPv6 addresses have finished duplicate
// address detection (DAD), so they can be used at once. Checked with `ip -j`
// and a ping from the new address, right after up returns.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "netlab/lab.hpp"
#include "support/require_ok.hpp"
#include "support/system.hpp"

using namespace netlab;
namespace fs = std::filesystem;
using testing::Cleanup;
using testing::unique_name;

namespace {

// The global addresses of ns:ifname that the kernel reports as tentative (in
// DAD). Link-local ones are the kernel's own, not the topology's.
std::vector<std::string> tentative(const std::string& ns, const std::string& ifname) {
  std::vector<std::string> out;
  for (const auto& link :
       testing::run_json({"ip", "-n", ns, "-6", "-j", "addr", "show", "dev", ifname}))
    for (const auto& a : link.value("addr_info", nlohmann::json::array()))
      if (a.value("tentative", false) && a.value("scope", "") == "global")
        out.push_back(a.value("local", ""));
  return out;
}

}  // namespace

TEST_CASE("up waits for IPv6 duplicate address detection", "[integration][lab]") {
  REQUIRE(geteuid() == 0);
  const std::string lab_name = unique_name("v6");
  const std::string n1 = unique_name("a"), n2 = unique_name("b");
  const std::string c1 = unique_name("c"), c2 = unique_name("d");
  const fs::path dir = fs::temp_directory_path() / ("netlab-v6-" + lab_name);
  Cleanup guard([&] {
    for (const auto& ns : {n1, n2, c1, c2}) testing::remove_namespace(ns);
    std::error_code ec;
    fs::remove_all(dir, ec);
  });
  fs::create_directories(dir);
  const std::string net = "fd00:" + std::to_string(getpid() % 10000) + "::";

  // Control: on this kernel a freshly added address is tentative, so the
  // check below could fail if up did not wait.
  for (const auto& ns : {c1, c2}) REQUIRE(testing::run({"ip", "netns", "add", ns}).exit_code == 0);
  REQUIRE(testing::run({"ip", "-n", c1, "link", "add", "eth0", "type", "veth", "peer", "name",
                        "eth0", "netns", c2})
              .exit_code == 0);
  REQUIRE(testing::run({"ip", "-n", c1, "link", "set", "eth0", "up"}).exit_code == 0);
  REQUIRE(testing::run({"ip", "-n", c2, "link", "set", "eth0", "up"}).exit_code == 0);
  REQUIRE(testing::run({"ip", "-n", c1, "addr", "add", net + "c1/64", "dev", "eth0"}).exit_code ==
          0);
  CHECK(tentative(c1, "eth0") == std::vector<std::string>{net + "c1"});

  const std::string topo = dir / "topology.yaml";
  std::ofstream(topo) << "name: " << lab_name << "\n"
                      << "namespaces:\n"
                      << "  " << n1 << ":\n"
                      << "    interfaces:\n"
                      << "      eth0: {addresses: [" << net << "1/64]}\n"
                      << "  " << n2 << ":\n"
                      << "    interfaces:\n"
                      << "      eth0: {addresses: [" << net << "2/64]}\n"
                      << "links:\n"
                      << "  - [" << n1 << ":eth0, " << n2 << ":eth0]\n";
  LabOptions options;
  options.state_root = dir / "state";
  auto loaded = Lab::load(topo, options);
  REQUIRE_OK(loaded);
  Lab lab = std::move(*loaded);

  auto up = lab.up();
  REQUIRE_OK(up);
  // Right after up: nothing tentative, and the new address works as a source.
  CHECK(tentative(n1, "eth0").empty());
  CHECK(tentative(n2, "eth0").empty());
  auto ping = testing::run(
      {"ip", "netns", "exec", n1, "ping", "-6", "-c", "1", "-W", "2", "-I", net + "1", net + "2"});
  CHECK(ping.exit_code == 0);
  bool waited = false;
  for (const auto& [phase, ms] : up->timings.phases) waited |= phase == "settle" && ms > 0;
  CHECK(waited);

  REQUIRE_OK(lab.down());
  CHECK_FALSE(testing::namespace_exists(n1));
  CHECK_FALSE(testing::namespace_exists(n2));
}
