// OVSDB's JSON encoding of values (RFC 7047 §5.1): atoms, ["uuid", U],
// ["named-uuid", N], ["set", [...]] and ["map", [[k, v], ...]]. A set of one
// element may also arrive as the bare atom; an optional column (min 0, max 1)
// that is empty arrives as ["set", []].
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "netlab/error.hpp"

namespace netlab::ovs {

using Json = nlohmann::json;

/// ["uuid", "<uuid>"]
Json uuid_ref(const std::string& uuid);
/// ["named-uuid", "<name>"]
Json named_uuid_ref(const std::string& name);
/// ["set", [elements...]] (always the explicit form; valid for any size).
Json set_of(Json elements);
/// ["set", []]: the empty set, e.g. to clear an optional column.
Json empty_set();
/// ["map", [[k, v], ...]] with string keys and values, in key order.
Json string_map(const std::map<std::string, std::string>& m);
/// An integer set ["set", [..]] from `values`.
Json int_set(const std::vector<int>& values);
/// An optional integer: the integer itself, or ["set", []] when empty.
Json optional_int(const std::optional<int>& value);

/// The elements of a set value: ["set", [...]] or a bare atom (one element).
Result<std::vector<Json>> set_elements(const Json& value);
/// The uuid string of ["uuid", U].
Result<std::string> decode_uuid(const Json& value);
/// A set of uuids (["set", [["uuid", ..], ..]] or one ["uuid", ..]).
Result<std::vector<std::string>> decode_uuid_set(const Json& value);
/// A map with string keys and values (["map", [[k, v], ...]]).
Result<std::map<std::string, std::string>> decode_string_map(const Json& value);
/// A set of integers, sorted.
Result<std::vector<int>> decode_int_set(const Json& value);
/// An optional integer column (a number, or ["set", []]).
Result<std::optional<std::int64_t>> decode_optional_int(const Json& value);
/// An optional string column (a string, or ["set", []]).
Result<std::optional<std::string>> decode_optional_string(const Json& value);
/// A plain string column.
Result<std::string> decode_string(const Json& value);

}  // namespace netlab::ovs
