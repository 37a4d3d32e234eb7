// A JSON-RPC 1.0 connection to ovsdb-server on a unix socket (RFC 7047 §4).
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "netlab/error.hpp"
#include "ovs/json_stream.hpp"

namespace netlab::ovs {

/// One open connection. Every read is bounded by a deadline; `echo` requests
/// from the server are answered while waiting; notifications (`update`,
/// `locked`, ...) and replies to other ids are dropped. Not thread-safe.
/// After any I/O or framing error the connection is broken() and must be
/// replaced.
class JsonRpcConnection {
 public:
  /// Connects to the unix socket at `path`. On failure the Error (kind Ovs)
  /// keeps the errno of connect() in sys_errno (ENOENT, ECONNREFUSED, ...).
  static Result<std::unique_ptr<JsonRpcConnection>> connect(const std::string& path);
  ~JsonRpcConnection();
  JsonRpcConnection(const JsonRpcConnection&) = delete;
  JsonRpcConnection& operator=(const JsonRpcConnection&) = delete;

  /// Sends request `method(params)` and waits up to `timeout` for its reply.
  /// Returns the reply's "result"; a non-null "error" member becomes an Error
  /// (kind Ovs) "ovsdb <method>: <error>"; running out of time is kind Timeout.
  Result<nlohmann::json> call(const std::string& method, nlohmann::json params,
                              std::chrono::milliseconds timeout);
  /// True once an I/O or framing error happened.
  bool broken() const { return broken_; }
  const std::string& path() const { return path_; }

 private:
  using Clock = std::chrono::steady_clock;
  JsonRpcConnection(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status send_text(const std::string& text, Clock::time_point deadline);
  Result<nlohmann::json> read_message(Clock::time_point deadline);
  Error fail(Error e);

  int fd_ = -1;
  std::string path_;
  std::int64_t next_id_ = 1;
  JsonStreamSplitter splitter_;
  bool broken_ = false;
};

}  // namespace netlab::ovs
