// netlab holds two descriptors per namespace (its file and a netlink socket)
// for as long as it runs. libnftables waits with select(), which aborts the
// process on a descriptor of 1024 or more: netlab's own must stay out of the
// low range, or a NAT or loss change in a 1000-host lab kills netlab.
#include <sys/resource.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <vector>

#include "kernel/netns_handle.hpp"
#include "netlab/nat.hpp"
#include "support/system.hpp"

namespace netlab {
namespace {

TEST_CASE("libnftables still runs while netlab holds 1100 netlink sockets", "[integration][nat]") {
  rlimit rl{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  rl.rlim_cur = rl.rlim_max;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
  REQUIRE(rl.rlim_cur >= 2 * FD_SETSIZE);

  std::vector<nl::SockPtr> held;
  for (int i = 0; i < 1100; ++i) {
    auto s = nl::open_route_socket();
    REQUIRE(s.ok());
    CHECK(nl_socket_get_fd(s->get()) >= FD_SETSIZE);
    held.push_back(std::move(*s));
  }
  // The low range is still free for a library's socket.
  int probe = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  CHECK(probe >= 0);
  CHECK(probe < FD_SETSIZE);
  ::close(probe);

  // And libnftables works (it would abort the test binary otherwise).
  auto nat = make_nftables_nat();
  auto state = nat->observe(testing::unique_name());
  REQUIRE(state.ok());
  CHECK_FALSE(state->exists);
}

}  // namespace
}  // namespace netlab
