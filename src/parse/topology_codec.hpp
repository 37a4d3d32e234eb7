// A parsed Topology as compact bytes and back, for the parse cache
// (src/lab/parse_cache.hpp): reading a 1000-namespace model back is a few
// milliseconds where YAML, the model and its checks take ~37 ms.
//
// The bytes may have been changed by anyone who could write the cache, so
// decode trusts nothing: every length, count, enum value and variant index
// is checked against what is left and what the model allows before it is
// used, and any inconsistency is nullopt (the caller then parses the file).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "netlab/topology.hpp"

namespace netlab {

/// `topology`'s every field (the NameIndex caches excepted), in a binary
/// form that only decode_topology reads.
std::string encode_topology(const Topology& topology);

/// The topology that encode_topology wrote as `bytes`, equal (operator==) to
/// the one encoded; nullopt for any input that encode_topology cannot have
/// written (short, long, out of range, or a longer form of a shorter one),
/// so encode_topology(*decode_topology(b)) == b whenever decode succeeds.
std::optional<Topology> decode_topology(std::string_view bytes);

}  // namespace netlab
