// The parse cache's codec: every topology of the repository comes back equal
// (a field the codec forgets fails here, through the defaulted operator==),
// and bytes it did not write are refused, never read past or trusted.
#include "parse/topology_codec.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/machines.hpp"
#include "parse/parse.hpp"

namespace fs = std::filesystem;
using namespace netlab;

namespace {

// Every topology file of the repository that parses: the shipped ones, the
// examples, the golden inputs, the fuzz seeds and the test data (most of
// tests/data/invalid does not parse, by design; what does is kept).
std::vector<Topology> repository_topologies() {
  const fs::path src(NETLAB_SOURCE_DIR);
  std::vector<Topology> out;
  for (const char* dir :
       {"topologies", "examples", "tests/golden", "tests/data", "tests/fuzz/corpus"}) {
    for (const auto& e : fs::recursive_directory_iterator(src / dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
      if (e.path().filename() == "live.yaml") continue;  // golden live states
      LoadResult r = load_topology(e.path().string());
      if (!r.ok()) continue;
      out.push_back(*r.topology);
      // A machine's share carries what a file never says (Stitch).
      for (const auto& m : r.topology->machines)
        if (auto share = narrow_to_machine(*r.topology, m.name); share.ok()) out.push_back(*share);
      Topology prefixed = *r.topology;
      if (apply_prefix(prefixed, "p-").empty()) out.push_back(std::move(prefixed));
    }
  }
  return out;
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("topology codec: every topology of the repository comes back equal", "[parse][codec]") {
  const auto all = repository_topologies();
  // Not a vacuous loop: the shipped topologies alone are 5, with machines' shares more.
  REQUIRE(all.size() >= 40);
  bool stitched = false;
  for (const auto& t : all) {
    INFO(t.file << " (narrowed to '" << t.narrowed_to << "')");
    const std::string bytes = encode_topology(t);
    auto back = decode_topology(bytes);
    REQUIRE(back.has_value());
    CHECK(*back == t);
    // The lookups behind the model work on a decoded one.
    for (const auto& ns : t.namespaces) CHECK(back->find_namespace(ns.name) != nullptr);
    for (const auto& l : t.links) stitched |= l.stitch.has_value();
  }
  CHECK(stitched);
}

TEST_CASE("topology codec: equality sees a change in any part", "[parse][codec]") {
  // operator== is what the round trip relies on: it must not be blind.
  LoadResult r = load_topology(std::string(NETLAB_SOURCE_DIR) + "/topologies/netns-demo-03.yaml");
  REQUIRE(r.ok());
  const Topology t = *r.topology;
  Topology u = t;
  CHECK(u == t);
  u.namespaces.at(0).interfaces.at(0).pos.column += 1;
  CHECK_FALSE(u == t);
  u = t;
  u.bridges.at(0).ports.at(0).options.vlan->value += 1;
  CHECK_FALSE(u == t);
  u = t;
  std::get<PingTest>(u.tests.at(4).check).expect = Expect::Success;
  CHECK_FALSE(u == t);
  u = t;
  u.narrowed_to = "m1";
  CHECK_FALSE(u == t);
}

TEST_CASE("topology codec: bytes it did not write are refused", "[parse][codec]") {
  const std::string file =
      std::string(NETLAB_SOURCE_DIR) + "/tests/fuzz/corpus/topology/every-section.yaml";
  LoadResult r = parse_topology(text_of(file), file);
  REQUIRE(r.ok());
  const std::string bytes = encode_topology(*r.topology);
  REQUIRE(decode_topology(bytes).has_value());

  // Cut anywhere, or with anything after it: never a model.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("cut to " << n << " of " << bytes.size() << " bytes");
    REQUIRE_FALSE(decode_topology(std::string_view(bytes).substr(0, n)).has_value());
  }
  CHECK_FALSE(decode_topology(bytes + '\0').has_value());

  // Any byte changed: refused, or a model whose bytes are exactly these
  // (decode accepts one form of each model only) -- and never a crash.
  int refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      std::string changed = bytes;
      changed[i] = static_cast<char>(changed[i] ^ x);
      auto t = decode_topology(changed);
      if (!t) {
        ++refused;
        continue;
      }
      INFO("byte " << i << " ^ " << int(x));
      CHECK(encode_topology(*t) == changed);
    }
  }
  CHECK(refused > 0);

  // Forged counts and lengths larger than the input: refused, not allocated.
  CHECK_FALSE(decode_topology(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9)).has_value());
  CHECK_FALSE(decode_topology(std::string{'\x05', 'a', 'b'}).has_value());
  CHECK_FALSE(decode_topology("").has_value());
}

TEST_CASE("topology codec: out-of-range values are refused", "[parse][codec]") {
  Topology t;
  t.name = "x";
  Bridge b;
  b.name = "br0";
  b.kind = BridgeKind::Ovs;
  t.bridges.push_back(b);
  const std::string bytes = encode_topology(t);
  REQUIRE(decode_topology(bytes).has_value());
  REQUIRE(*decode_topology(bytes) == t);
  // The bridge's kind byte follows its name and position: find it by
  // encoding the other kind and comparing.
  Topology linux_bridge = t;
  linux_bridge.bridges[0].kind = BridgeKind::Linux;
  const std::string other = encode_topology(linux_bridge);
  REQUIRE(other.size() == bytes.size());
  std::size_t at = 0;
  while (at < bytes.size() && bytes[at] == other[at]) ++at;
  REQUIRE(at < bytes.size());
  std::string forged = bytes;
  forged[at] = 2;  // no BridgeKind 2
  CHECK_FALSE(decode_topology(forged).has_value());
}
