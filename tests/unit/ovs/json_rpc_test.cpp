// The JSON-RPC connection against a scripted server on a unix socket.
#include "ovs/json_rpc.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "ovs/json_stream.hpp"
#include "ovs/ovsdb_client.hpp"

using namespace netlab;
using namespace netlab::ovs;
using namespace std::chrono_literals;

namespace {

// A one-connection server running `script` on the accepted socket.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(int fd)> script) {
    static int n = 0;
    path_ = "/tmp/netlab-rpc-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".sock";
    ::unlink(path_.c_str());
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 1) == 0);
    thread_ = std::thread([this, script = std::move(script)] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      script(fd);
      ::close(fd);
    });
  }
  ~ScriptedServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int listen_fd_ = -1;
  std::thread thread_;
};

// Reads one JSON message from `fd` (blocking).
Json read_one(int fd, JsonStreamSplitter& s) {
  for (;;) {
    if (auto t = s.next()) return Json::parse(*t);
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return nullptr;
    s.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

TEST_CASE("a call answers echo, skips notifications and assembles a split reply", "[ovs][rpc]") {
  Json echo_reply;
  Json request;
  ScriptedServer server([&](int fd) {
    JsonStreamSplitter s;
    request = read_one(fd, s);
    write_all(fd, R"({"id":"echo","method":"echo","params":["ping"]})");
    echo_reply = read_one(fd, s);
    // A notification and the reply in one write, the reply cut in half.
    std::string reply =
        R"({"id":)" + request["id"].dump() + R"(,"result":["Open_vSwitch"],"error":null})";
    write_all(fd, R"({"id":null,"method":"update","params":[null,{}]})" + reply.substr(0, 10));
    std::this_thread::sleep_for(20ms);
    write_all(fd, reply.substr(10));
  });
  auto c = JsonRpcConnection::connect(server.path());
  REQUIRE(c);
  auto r = (*c)->call("list_dbs", Json::array(), 2s);
  REQUIRE(r);
  CHECK(*r == Json::array({"Open_vSwitch"}));
  CHECK(request["method"] == "list_dbs");
  CHECK(request["params"] == Json::array());
  CHECK(echo_reply == Json::parse(R"({"id":"echo","result":["ping"],"error":null})"));
}

TEST_CASE("a JSON-RPC error reply becomes an Ovs error", "[ovs][rpc]") {
  ScriptedServer server([&](int fd) {
    JsonStreamSplitter s;
    Json req = read_one(fd, s);
    write_all(fd,
              Json{{"id", req["id"]}, {"result", nullptr}, {"error", "unknown database"}}.dump());
  });
  auto c = JsonRpcConnection::connect(server.path());
  REQUIRE(c);
  auto r = (*c)->call("transact", Json::array({"Nope"}), 2s);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Ovs);
  CHECK(r.error().message == "ovsdb transact: unknown database");
}

TEST_CASE("a server that never answers times out on time", "[ovs][rpc]") {
  ScriptedServer server([&](int fd) {
    JsonStreamSplitter s;
    read_one(fd, s);
    read_one(fd, s);  // until the client closes
  });
  auto c = JsonRpcConnection::connect(server.path());
  REQUIRE(c);
  auto start = std::chrono::steady_clock::now();
  auto r = (*c)->call("list_dbs", Json::array(), 150ms);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::Timeout);
  CHECK(took >= 140ms);
  CHECK(took < 1s);
  CHECK((*c)->broken());
  c->reset();  // closes: lets the server thread finish
}

TEST_CASE("connecting to a missing socket keeps the errno", "[ovs][rpc]") {
  auto c = JsonRpcConnection::connect("/nonexistent/netlab/db.sock");
  REQUIRE_FALSE(c);
  CHECK(c.error().sys_errno == ENOENT);
}

TEST_CASE("check_available on a missing socket fails at once and says how to start OVS",
          "[ovs][rpc]") {
  auto ovs = make_ovsdb_client("/nonexistent/netlab/db.sock");
  auto start = std::chrono::steady_clock::now();
  Status s = ovs->check_available();
  CHECK(std::chrono::steady_clock::now() - start < 100ms);
  REQUIRE_FALSE(s);
  CHECK(s.error().kind == ErrorKind::Ovs);
  if (ovsdb_server_installed())
    CHECK(s.error().message ==
          "Open vSwitch is not running (no database at /nonexistent/netlab/db.sock): start it "
          "with /usr/share/openvswitch/scripts/ovs-ctl start");
  else
    CHECK_THAT(s.error().message, Catch::Contains("openvswitch-switch"));
  // observe and apply fail the same way.
  auto o = ovs->observe();
  REQUIRE_FALSE(o);
  CHECK(o.error().message == s.error().message);
}
