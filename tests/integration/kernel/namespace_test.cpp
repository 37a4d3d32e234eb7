// Real-kernel tests of namespace creation and deletion (root required).
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>

#include "netlab/kernel.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

using testing::Cleanup;
using testing::unique_name;

TEST_CASE("create_namespace makes a namespace ip netns sees", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });

  REQUIRE(k->create_namespace(ns).ok());
  CHECK(testing::namespace_exists(ns));
  auto list = testing::run({"ip", "netns", "list"});
  CHECK(list.text.find(ns) != std::string::npos);

  auto ours = k->list_namespaces();
  REQUIRE(ours.ok());
  CHECK(std::find(ours->begin(), ours->end(), ns) != ours->end());

  // A namespace of its own: only lo, down, no addresses.
  auto links = testing::ip_links(ns);
  REQUIRE(links.size() == 1);
  CHECK(links[0]["ifname"] == "lo");

  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  REQUIRE(st->namespaces.count(ns) == 1);
  CHECK(st->namespaces.at(ns).links.size() == 1);
  CHECK(st->namespaces.at(ns).links.at("lo").kind == LinkKind::Loopback);
  CHECK(std::find(st->all_namespaces.begin(), st->all_namespaces.end(), ns) !=
        st->all_namespaces.end());

  // Its inode differs from the root namespace's.
  struct stat a {
  }, b{};
  REQUIRE(stat(("/run/netns/" + ns).c_str(), &a) == 0);
  REQUIRE(stat("/proc/self/ns/net", &b) == 0);
  CHECK(a.st_ino != b.st_ino);

  // /run/netns is a shared mount, as iproute2 makes it.
  auto mounts = testing::run({"findmnt", "-n", "-o", "PROPAGATION", "/run/netns"});
  CHECK(mounts.text.find("shared") != std::string::npos);
}

TEST_CASE("create_namespace twice fails with EEXIST", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  auto again = k->create_namespace(ns);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().sys_errno == EEXIST);
  CHECK(again.error().kind == ErrorKind::Kernel);
  CHECK(again.error().message == "create namespace " + ns + ": File exists (EEXIST)");
}

TEST_CASE("delete_namespace removes it; absent is ENOENT", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  // Use the namespace so that a socket is cached: deleting must drop it.
  REQUIRE(k->observe({ns}, {}).ok());
  REQUIRE(k->delete_namespace(ns).ok());
  CHECK_FALSE(testing::namespace_exists(ns));
  auto again = k->delete_namespace(ns);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().sys_errno == ENOENT);
  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  CHECK(st->namespaces.count(ns) == 0);
}

TEST_CASE("a namespace deleted and recreated behind netlab's back is seen afresh",
          "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("ns");
  const std::string dev = unique_name("d");
  Cleanup guard([&] { testing::remove_namespace(ns); });
  REQUIRE(k->create_namespace(ns).ok());
  REQUIRE(k->observe({ns}, {}).ok());
  testing::run({"ip", "netns", "del", ns});
  testing::run({"ip", "netns", "add", ns});
  testing::run({"ip", "-n", ns, "link", "add", dev, "type", "bridge"});
  auto st = k->observe({ns}, {});
  REQUIRE(st.ok());
  CHECK(st->namespaces.at(ns).find_link(dev) != nullptr);
}

TEST_CASE("operations in a missing namespace fail with ENOENT", "[integration][kernel]") {
  auto k = make_netlink_kernel();
  const std::string ns = unique_name("nx");
  auto s = k->create_bridge(ns, "br0", "");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().sys_errno == ENOENT);
  CHECK(s.error().message.find("create bridge br0 (netns " + ns + ")") == 0);
}

}  // namespace
}  // namespace netlab
