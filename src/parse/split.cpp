// `netlab split`: one file per machine of a topology with machines:. Each
// file is the whole topology, unchanged, plus a top-level `machine: NAME`
// at its end: every machine derives the same VNIs and resolves the same
// test targets from the same text, positions in errors stay those of the
// original file, and `netlab up FILE` on the machine needs no --machine.
#include "parse/parse.hpp"

namespace netlab {

Result<std::vector<std::pair<std::string, std::string>>> split_by_machine(
    std::string_view text, const std::string& filename, const Variables& variables) {
  LoadResult whole = parse_topology(text, filename, variables);
  if (!whole.ok()) {
    if (whole.errors.empty()) return make_error(ErrorKind::Bug, filename + ": no topology");
    return whole.errors.front();
  }
  const Topology& t = *whole.topology;
  if (t.machines.empty())
    return make_error(ErrorKind::InvalidTopology,
                      filename + " declares no machines:; there is nothing to split",
                      SourcePos{filename, 0, 0});
  if (t.machine)
    return make_error(ErrorKind::InvalidTopology,
                      "machine: already names the machine of this file ('" + t.machine->value +
                          "'): it is a split file; split the original",
                      t.machine->pos);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : t.machines) {
    std::string share(text);
    if (!share.empty() && share.back() != '\n') share += '\n';
    share += "# written by netlab split: this file is the share of machine " + m.name +
             "\nmachine: " + m.name + "\n";
    // The appended key must read as a key of the top-level map (a file in
    // flow style, or ending its document with "...", would not take it).
    LoadResult check = parse_topology(share, filename, variables);
    if (!check.ok() || !check.topology->machine || check.topology->machine->value != m.name)
      return make_error(ErrorKind::InvalidTopology,
                        filename +
                            ": cannot append a top-level machine: key to this file (write its "
                            "top level as a block map, one key a line, and no '...' at its end)",
                        SourcePos{filename, 0, 0});
    out.emplace_back(m.name, std::move(share));
  }
  return out;
}

}  // namespace netlab
