#include "ovs/ovsdb_value.hpp"

#include <algorithm>

#include "ovs/messages.hpp"

namespace netlab::ovs {

namespace {

Error bad(const std::string& what, const Json& value) {
  std::string text = value.dump();
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return make_error(ErrorKind::Ovs, "ovsdb: expected " + what + ", got " + text);
}

bool is_tagged(const Json& v, const char* tag) {
  return v.is_array() && v.size() == 2 && v[0].is_string() &&
         v[0].get_ref<const std::string&>() == tag;
}

}  // namespace

Json uuid_ref(const std::string& uuid) { return Json::array({"uuid", uuid}); }
Json named_uuid_ref(const std::string& name) { return Json::array({"named-uuid", name}); }
Json set_of(Json elements) { return Json::array({"set", std::move(elements)}); }
Json empty_set() { return set_of(Json::array()); }

Json string_map(const std::map<std::string, std::string>& m) {
  Json pairs = Json::array();
  for (const auto& [k, v] : m) pairs.push_back(Json::array({k, v}));
  return Json::array({"map", std::move(pairs)});
}

Json int_set(const std::vector<int>& values) {
  Json elems = Json::array();
  for (int v : values) elems.push_back(v);
  return set_of(std::move(elems));
}

Json optional_int(const std::optional<int>& value) {
  if (value) return *value;
  return empty_set();
}

Result<std::vector<Json>> set_elements(const Json& value) {
  if (is_tagged(value, "set")) {
    if (!value[1].is_array()) return bad("[\"set\", [...]]", value);
    return std::vector<Json>(value[1].begin(), value[1].end());
  }
  if (value.is_array() && !is_tagged(value, "uuid") && !is_tagged(value, "named-uuid"))
    return bad("a set or an atom", value);
  return std::vector<Json>{value};
}

Result<std::string> decode_uuid(const Json& value) {
  if (!is_tagged(value, "uuid") || !value[1].is_string()) return bad("[\"uuid\", ...]", value);
  return value[1].get<std::string>();
}

Result<std::vector<std::string>> decode_uuid_set(const Json& value) {
  auto elems = set_elements(value);
  if (!elems) return elems.error();
  std::vector<std::string> out;
  for (const auto& e : *elems) {
    auto u = decode_uuid(e);
    if (!u) return u.error();
    out.push_back(std::move(*u));
  }
  return out;
}

Result<std::map<std::string, std::string>> decode_string_map(const Json& value) {
  if (!is_tagged(value, "map") || !value[1].is_array()) return bad("[\"map\", [...]]", value);
  std::map<std::string, std::string> out;
  for (const auto& pair : value[1]) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
      return bad("a [key, value] pair of strings", pair);
    out[pair[0].get<std::string>()] = pair[1].get<std::string>();
  }
  return out;
}

Result<std::vector<int>> decode_int_set(const Json& value) {
  auto elems = set_elements(value);
  if (!elems) return elems.error();
  std::vector<int> out;
  for (const auto& e : *elems) {
    if (!e.is_number_integer()) return bad("an integer", e);
    out.push_back(e.get<int>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::optional<std::int64_t>> decode_optional_int(const Json& value) {
  auto elems = set_elements(value);
  if (!elems) return elems.error();
  if (elems->empty()) return std::optional<std::int64_t>();
  if (elems->size() != 1 || !(*elems)[0].is_number_integer())
    return bad("an optional integer", value);
  return std::optional<std::int64_t>((*elems)[0].get<std::int64_t>());
}

Result<std::optional<std::string>> decode_optional_string(const Json& value) {
  auto elems = set_elements(value);
  if (!elems) return elems.error();
  if (elems->empty()) return std::optional<std::string>();
  if (elems->size() != 1 || !(*elems)[0].is_string()) return bad("an optional string", value);
  return std::optional<std::string>((*elems)[0].get<std::string>());
}

Result<std::string> decode_string(const Json& value) {
  if (!value.is_string()) return bad("a string", value);
  return value.get<std::string>();
}

}  // namespace netlab::ovs
