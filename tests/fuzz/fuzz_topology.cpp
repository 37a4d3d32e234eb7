// libFuzzer target: a topology file, untrusted input run as root, through
// everything Lab::load does before anything touches the system: parse and
// validate, the resource graph's check (cycles, dangling needs), --prefix.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/resource_graph.hpp"
#include "parse/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  netlab::LoadResult loaded = netlab::parse_topology(text, "fuzz.yaml");
  if (!loaded.ok()) return 0;
  netlab::Topology& topo = *loaded.topology;
  if (!netlab::build_resource_graph(topo).check().empty()) return 0;
  // A short prefix keeps most names within 15 characters; a long one makes
  // apply_prefix's own error paths run.
  netlab::Topology copy = topo;
  netlab::apply_prefix(copy, "f1-");
  netlab::apply_prefix(topo, "fuzzprefix-");
  return 0;
}
