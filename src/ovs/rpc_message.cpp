#include "ovs/rpc_message.hpp"

#include "ovs/messages.hpp"

namespace netlab::ovs {

using nlohmann::json;

std::optional<json> echo_answer(const json& message) {
  if (!message.is_object()) return std::nullopt;
  auto method = message.find("method");
  auto id = message.find("id");
  if (method == message.end() || !method->is_string() || *method != "echo" || id == message.end() ||
      id->is_null())
    return std::nullopt;
  return json{{"result", message.value("params", json::array())}, {"error", nullptr}, {"id", *id}};
}

std::optional<Result<json>> reply_to(const json& message, std::int64_t id,
                                     const std::string& method) {
  // A request or notification from the server carries a method.
  if (!message.is_object() || message.contains("method")) return std::nullopt;
  auto idit = message.find("id");
  if (idit == message.end() || !idit->is_number_integer() || idit->get<std::int64_t>() != id)
    return std::nullopt;  // a late reply to an earlier, timed-out request
  auto eit = message.find("error");
  if (eit != message.end() && !eit->is_null())
    return make_error(
        ErrorKind::Ovs,
        "ovsdb " + method + ": " + (eit->is_string() ? eit->get<std::string>() : eit->dump()));
  auto rit = message.find("result");
  if (rit == message.end())
    return make_error(ErrorKind::Ovs, "ovsdb " + method + ": reply without result");
  return *rit;
}

}  // namespace netlab::ovs
