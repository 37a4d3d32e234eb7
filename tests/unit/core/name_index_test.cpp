// The find_* lookups behind NameIndex give what a scan of the plain vectors
// gives, whatever happened to the vectors since the last lookup, provided a
// rename in place is followed by names_changed() (a miss is not re-checked).
#include <catch2/catch.hpp>
#include <thread>

#include "netlab/topology.hpp"

using namespace netlab;

namespace {

Namespace named(const std::string& name) {
  Namespace ns;
  ns.name = name;
  return ns;
}

Topology with_namespaces(int n) {
  Topology t;
  for (int i = 0; i < n; ++i) t.namespaces.push_back(named("ns" + std::to_string(i)));
  return t;
}

}  // namespace

TEST_CASE("find_namespace: hits point into the vector, misses are null") {
  Topology t = with_namespaces(100);
  for (int i : {0, 57, 99}) {
    const Namespace* ns = t.find_namespace("ns" + std::to_string(i));
    REQUIRE(ns);
    CHECK(ns == &t.namespaces[static_cast<std::size_t>(i)]);
  }
  CHECK(t.find_namespace("ns100") == nullptr);
  CHECK(t.find_namespace("") == nullptr);
}

TEST_CASE("find_namespace follows changes made after a lookup") {
  Topology t = with_namespaces(10);
  REQUIRE(t.find_namespace("ns3"));
  SECTION("a rename (what --prefix does)") {
    t.namespaces[3].name = "p-ns3";
    t.names_changed();
    CHECK(t.find_namespace("ns3") == nullptr);
    CHECK(t.find_namespace("p-ns3") == &t.namespaces[3]);
  }
  SECTION("a rename, the new name looked up first") {
    t.namespaces[3].name = "p-ns3";
    t.names_changed();
    CHECK(t.find_namespace("p-ns3") == &t.namespaces[3]);
    CHECK(t.find_namespace("ns3") == nullptr);
  }
  SECTION("a rename: the old name misses even before names_changed()") {
    // Every hit is checked against the element, so a stale position is never returned.
    t.namespaces[3].name = "p-ns3";
    CHECK(t.find_namespace("ns3") == nullptr);
    CHECK(t.find_namespace("p-ns3") == &t.namespaces[3]);
  }
  SECTION("two names swapped") {
    std::swap(t.namespaces[3].name, t.namespaces[4].name);
    t.names_changed();
    CHECK(t.find_namespace("ns3") == &t.namespaces[4]);
    CHECK(t.find_namespace("ns4") == &t.namespaces[3]);
  }
  SECTION("growth that moves the vector") {
    for (int i = 10; i < 1000; ++i) t.namespaces.push_back(named("ns" + std::to_string(i)));
    CHECK(t.find_namespace("ns3") == &t.namespaces[3]);
    CHECK(t.find_namespace("ns999") == &t.namespaces[999]);
  }
  SECTION("removal") {
    t.namespaces.erase(t.namespaces.begin());
    CHECK(t.find_namespace("ns0") == nullptr);
    CHECK(t.find_namespace("ns3") == &t.namespaces[2]);
  }
  SECTION("a duplicate name: the first wins, as a scan would") {
    t.namespaces[7].name = "ns2";
    t.names_changed();
    CHECK(t.find_namespace("ns2") == &t.namespaces[2]);
  }
}

TEST_CASE("a copied topology answers from its own vectors") {
  Topology a = with_namespaces(5);
  REQUIRE(a.find_namespace("ns1"));
  Topology b = a;
  b.namespaces[1].name = "other";
  CHECK(b.find_namespace("ns1") == nullptr);
  CHECK(b.find_namespace("other") == &b.namespaces[1]);
  CHECK(a.find_namespace("ns1") == &a.namespaces[1]);
  a = b;
  CHECK(a.find_namespace("other") == &a.namespaces[1]);
}

TEST_CASE("every prefixed namespace and bridge is found after names_changed()") {
  Topology t = with_namespaces(300);
  for (int i = 0; i < 3; ++i) {
    Bridge br;
    br.name = "br" + std::to_string(i);
    t.bridges.push_back(br);
  }
  // Misses and hits before the rename, so that the caches hold the old names.
  REQUIRE(t.endpoint_kind("br1") == EndpointKind::Bridge);
  REQUIRE(t.endpoint_kind("ns299") == EndpointKind::Namespace);
  for (auto& ns : t.namespaces) ns.name = "p-" + ns.name;
  for (auto& b : t.bridges) b.name = "p-" + b.name;
  t.names_changed();
  int wrong = 0;
  for (int i = 0; i < 300; ++i) {
    auto idx = static_cast<std::size_t>(i);
    if (t.find_namespace("p-ns" + std::to_string(i)) != &t.namespaces[idx]) ++wrong;
    if (t.find_namespace("ns" + std::to_string(i)) != nullptr) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(t.endpoint_kind("p-br1") == EndpointKind::Bridge);
  CHECK(t.find_bridge("p-br2") == &t.bridges[2]);
  CHECK_FALSE(t.endpoint_kind("br1"));
  CHECK_FALSE(t.endpoint_kind("ns0"));
}

TEST_CASE("endpoint_kind and find_bridge use the same rules") {
  Topology t = with_namespaces(3);
  Bridge br;
  br.name = "br0";
  t.bridges.push_back(br);
  CHECK(t.endpoint_kind("ns2") == EndpointKind::Namespace);
  CHECK(t.endpoint_kind("br0") == EndpointKind::Bridge);
  CHECK(t.endpoint_kind("host") == EndpointKind::Host);
  CHECK_FALSE(t.endpoint_kind("nope"));
  CHECK(t.find_bridge("br0") == &t.bridges[0]);
}

TEST_CASE("concurrent readers of an unchanging topology all get the right answer") {
  Topology t = with_namespaces(500);
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 500; ++i) {
        auto idx = static_cast<std::size_t>((i * 7 + k) % 500);
        if (t.find_namespace("ns" + std::to_string(idx)) != &t.namespaces[idx]) ++wrong[k];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>(4, 0));
}
