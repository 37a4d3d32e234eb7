// Capture on the real kernel: two namespaces joined by a veth (made with
// `ip` here), a ping between them, and the file read back by tcpdump, an
// independent reader of pcap.
#include "netlab/capture.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "support/system.hpp"
#include "support/temp_dir.hpp"
#include "support/veth_pair.hpp"

using namespace netlab;
namespace t = netlab::testing;

namespace {

using t::must;

/// Namespaces a and b, a:ifa 10.78.1.1/24 <-> b:ifb 10.78.1.2/24, removed
/// when the test ends, however it ends.
struct Pair : t::VethPair {
  Pair() : VethPair("10.78.1", "p") {}
  /// `count` pings from a to b, 10 ms apart.
  void ping(int count) {
    must({"ip", "netns", "exec", a, "ping", "-q", "-n", "-c", std::to_string(count), "-i", "0.01",
          "-W", "1", "10.78.1.2"});
  }
};

/// tcpdump's reading of a pcap file: one line a packet.
std::vector<std::string> read_pcap(const std::string& path, const std::string& filter = "") {
  std::vector<std::string> argv = {"tcpdump", "-nn", "-r", path};
  if (!filter.empty()) argv.push_back(filter);
  auto out = t::run_both(argv);
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < out.text.size()) {
    std::size_t nl = out.text.find('\n', start);
    if (nl == std::string::npos) nl = out.text.size();
    if (nl > start) lines.push_back(out.text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::size_t count_matching(const std::vector<std::string>& lines, const std::string& re) {
  std::size_t n = 0;
  for (const auto& l : lines) n += std::regex_search(l, std::regex(re)) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a capture inside a namespace holds the ping made while it ran", "[integration]") {
  REQUIRE(geteuid() == 0);
  Pair pair;
  std::string path = pair.dir + "/a.pcap";
  auto cap = Capture::start({.netns = pair.a, .interface = pair.ifa, .path = path});
  REQUIRE(cap.ok());
  pair.ping(5);
  auto stats = (*cap)->stop();
  REQUIRE(stats.ok());

  auto lines = read_pcap(path, "icmp");
  INFO(path);
  CHECK(count_matching(lines, "10\\.78\\.1\\.1 > 10\\.78\\.1\\.2: ICMP echo request") == 5);
  CHECK(count_matching(lines, "10\\.78\\.1\\.2 > 10\\.78\\.1\\.1: ICMP echo reply") == 5);
  // Everything the file holds was counted (ARP besides the 10 ICMP packets).
  CHECK(stats->packets == read_pcap(path).size());
  CHECK(stats->packets >= 10);
  CHECK(stats->dropped == 0);
  // stop() again: the same answer, nothing more written.
  auto again = (*cap)->stop();
  REQUIRE(again.ok());
  CHECK(again->packets == stats->packets);
}

TEST_CASE("a capture filter and a packet limit", "[integration]") {
  REQUIRE(geteuid() == 0);
  Pair pair;
  SECTION("only what the filter lets through") {
    std::string path = pair.dir + "/replies.pcap";
    auto cap = Capture::start({.netns = pair.b,
                               .interface = pair.ifb,
                               .filter = "icmp[icmptype] == icmp-echoreply",
                               .path = path});
    REQUIRE(cap.ok());
    pair.ping(3);
    REQUIRE((*cap)->stop().ok());
    auto lines = read_pcap(path);
    CHECK(lines.size() == 3);
    CHECK(count_matching(lines, "ICMP echo reply") == 3);
  }
  SECTION("it ends by itself after max_packets") {
    std::string path = pair.dir + "/two.pcap";
    auto cap = Capture::start(
        {.netns = pair.a, .interface = "any", .filter = "icmp", .path = path, .max_packets = 2});
    REQUIRE(cap.ok());
    CHECK_FALSE((*cap)->finished());
    pair.ping(4);
    CHECK((*cap)->wait_finished(std::chrono::seconds(2)));
    auto stats = (*cap)->stop();
    REQUIRE(stats.ok());
    CHECK(stats->packets == 2);
    CHECK(read_pcap(path).size() == 2);
  }
}

TEST_CASE("a capture that cannot start says why and leaves nothing running", "[integration]") {
  REQUIRE(geteuid() == 0);
  Pair pair;
  std::string path = pair.dir + "/x.pcap";
  auto bad_filter = Capture::start(
      {.netns = pair.a, .interface = pair.ifa, .filter = "icmp and and", .path = path});
  REQUIRE_FALSE(bad_filter.ok());
  CHECK(bad_filter.error().message.find("invalid capture filter 'icmp and and'") !=
        std::string::npos);
  CHECK(bad_filter.error().message.find("syntax error") != std::string::npos);

  // The other end of the veth is in b, not in a: a packet socket sees only its namespace.
  auto elsewhere = Capture::start({.netns = pair.a, .interface = pair.ifb, .path = path});
  REQUIRE_FALSE(elsewhere.ok());
  CHECK(elsewhere.error().message == "capture on " + pair.a + ":" + pair.ifb + ": no interface " +
                                         pair.ifb + " in namespace " + pair.a);

  auto no_ns = Capture::start({.netns = pair.a + "-gone", .interface = "lo", .path = path});
  REQUIRE_FALSE(no_ns.ok());
  CHECK(no_ns.error().message.find("/run/netns/" + pair.a + "-gone") != std::string::npos);

  auto no_dir = Capture::start(
      {.netns = pair.a, .interface = pair.ifa, .path = pair.dir + "/missing/x.pcap"});
  REQUIRE_FALSE(no_dir.ok());
  CHECK(no_dir.error().message.find("open " + pair.dir + "/missing/x.pcap") != std::string::npos);
}

TEST_CASE("a capture whose interface goes away ends with an error, its file readable",
          "[integration]") {
  REQUIRE(geteuid() == 0);
  Pair pair;
  std::string path = pair.dir + "/gone.pcap";
  auto cap = Capture::start({.netns = pair.a, .interface = pair.ifa, .path = path});
  REQUIRE(cap.ok());
  pair.ping(2);
  must({"ip", "-n", pair.a, "link", "del", pair.ifa});
  CHECK((*cap)->wait_finished(std::chrono::seconds(2)));
  auto stats = (*cap)->stop();
  REQUIRE_FALSE(stats.ok());
  CHECK(stats.error().message.find("capture on " + pair.a + ":" + pair.ifa + " ended") !=
        std::string::npos);
  CHECK(count_matching(read_pcap(path), "ICMP echo request") == 2);
}
