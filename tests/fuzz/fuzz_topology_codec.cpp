// libFuzzer target: the parse cache's codec (src/parse/topology_codec.hpp).
// The input is read twice: as a cache body (decode must refuse or give a
// model whose encoding is exactly the input, never crash or read past the
// end), and as a topology file, whose checked model must come back equal,
// also with one byte of its encoding changed where the input says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/resource_graph.hpp"
#include "parse/parse.hpp"
#include "parse/topology_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto t = netlab::decode_topology(input); t && netlab::encode_topology(*t) != input)
    std::abort();

  netlab::LoadResult loaded = netlab::parse_topology(input, "fuzz.yaml");
  if (!loaded.ok() || !netlab::build_resource_graph(*loaded.topology).check().empty()) return 0;
  const std::string bytes = netlab::encode_topology(*loaded.topology);
  auto back = netlab::decode_topology(bytes);
  if (!back || !(*back == *loaded.topology)) std::abort();
  if (bytes.empty() || size == 0) return 0;
  std::string changed = bytes;
  changed[size % bytes.size()] ^= static_cast<char>(data[0] | 1);
  if (auto t = netlab::decode_topology(changed); t && netlab::encode_topology(*t) != changed)
    std::abort();
  return 0;
}
