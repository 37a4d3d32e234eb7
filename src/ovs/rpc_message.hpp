// What a JSON-RPC message from ovsdb-server means to a client waiting for
// the reply to one request: pure functions of the parsed message, apart from
// the socket, so that unit tests and the fuzzer (tests/fuzz/fuzz_ovsdb.cpp)
// can feed them anything the server could send.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "netlab/error.hpp"

namespace netlab::ovs {

/// The answer to send to an `echo` request `message` (the server's keepalive:
/// result = its params, same id); nullopt when `message` is not one.
std::optional<nlohmann::json> echo_answer(const nlohmann::json& message);

/// The outcome of request `id` (method `method`) when `message` is its reply:
/// the reply's "result", or an Error (kind Ovs) from a non-null "error" or a
/// missing "result". nullopt when `message` is something else (not an object,
/// a request or notification from the server, a reply to another id).
std::optional<Result<nlohmann::json>> reply_to(const nlohmann::json& message, std::int64_t id,
                                               const std::string& method);

}  // namespace netlab::ovs
