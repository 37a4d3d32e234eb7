// Entry points: text or file -> YAML tree -> sections -> validation.
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse/parse.hpp"
#include "parse/sections.hpp"
#include "parse/validator.hpp"
#include "parse/variables.hpp"

namespace netlab {

namespace {

// Beyond this the rest is noise; the user fixes the first ones and reruns.
constexpr std::size_t kMaxErrors = 500;

void parse_root(Reader& r, const yaml::Node& root, Topology& t) {
  if (root.is_null()) {
    r.error(root.pos,
            "the file is empty; a topology is a map of sections: name, namespaces, bridges, "
            "links, dhcp, host, tests");
    return;
  }
  if (!root.is_map()) {
    r.error(root.pos,
            "expected a map of sections (name, namespaces, bridges, links, dhcp, host, "
            "tests) at the top level, got " +
                Reader::describe(root));
    return;
  }
  r.check_keys(
      root,
      {"name", "machines", "machine", "namespaces", "bridges", "links", "dhcp", "host", "tests"},
      "");
  if (const auto* v = root.find("name")) {
    if (auto n = r.scalar(*v, "", "a lab name for name")) {
      t.name = *n;
      t.name_pos = v->pos;
    }
  }
  if (const auto* v = root.find("machines")) parse_machines(r, *v, t);
  t.machine = parse_machine_key(r, root, "");
  if (const auto* v = root.find("namespaces")) parse_namespaces(r, *v, t);
  if (const auto* v = root.find("bridges")) parse_bridges(r, *v, t);
  if (const auto* v = root.find("links")) parse_links(r, *v, t);
  if (const auto* v = root.find("dhcp")) parse_dhcp(r, *v, t);
  if (const auto* v = root.find("host")) parse_host(r, *v, t);
  if (const auto* v = root.find("tests")) parse_tests(r, *v, t);
}

LoadResult parse_impl(std::string_view text, const std::string& filename,
                      const Variables& variables) {
  LoadResult result;
  Topology t;
  t.file = filename;
  auto root = yaml::load_yaml(text, filename, result.errors);
  if (root) {
    // An undefined variable leaves its text in place, and every rule would
    // then complain about "${X}" too: report the variables alone, like a
    // syntax error, and go no further.
    std::size_t before = result.errors.size();
    expand_variables(*root, variables, result.errors);
    if (result.errors.size() > before) root.reset();
  }
  if (root) {
    Reader r(result.errors);
    parse_root(r, *root, t);
    if (t.name_pos.line == 0) {
      // No `name:`: the file's stem names the lab (the validator checks it).
      t.name = std::filesystem::path(filename).stem().string();
      t.name_pos = SourcePos{filename, 0, 0};
    }
    if (root->is_map()) {
      auto more = validate_with_gaps(t, r.gaps);
      result.errors.insert(result.errors.end(), more.begin(), more.end());
    }
  }
  sort_by_position(result.errors);
  if (result.errors.size() > kMaxErrors) {
    std::size_t more = result.errors.size() - kMaxErrors;
    result.errors.resize(kMaxErrors);
    result.errors.push_back(Error{ErrorKind::InvalidTopology,
                                  "... and " + std::to_string(more) + " more errors",
                                  SourcePos{filename, 0, 0}});
  }
  if (result.errors.empty()) result.topology = std::move(t);
  return result;
}

}  // namespace

LoadResult parse_topology(std::string_view text, const std::string& filename) {
  return parse_topology(text, filename, Variables{});
}

LoadResult parse_topology(std::string_view text, const std::string& filename,
                          const Variables& variables) {
  try {
    return parse_impl(text, filename, variables);
  } catch (const std::exception& e) {
    // Only std::bad_alloc and the like can get here; never let them out.
    LoadResult r;
    r.errors.push_back(Error{ErrorKind::Bug, std::string("parsing failed: ") + e.what(),
                             SourcePos{filename, 0, 0}});
    return r;
  } catch (...) {
    LoadResult r;
    r.errors.push_back(Error{ErrorKind::Bug, "parsing failed", SourcePos{filename, 0, 0}});
    return r;
  }
}

Result<std::string> read_topology_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{ErrorKind::InvalidTopology,
                 "cannot read topology '" + path + "': it is a directory", SourcePos{path, 0, 0}};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Error{ErrorKind::InvalidTopology,
                 "cannot read topology '" + path + "': " + errno_text(err), SourcePos{path, 0, 0},
                 err};
  }
  // Read at most one byte over the limit (load_yaml reports the size), in
  // chunks: sizing the string to the limit first cost a 16 MB memset per load.
  std::string text;
  std::array<char, 1 << 16> chunk;
  while (text.size() <= yaml::kMaxBytes) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (!in) break;
  }
  if (text.size() > yaml::kMaxBytes + 1) text.resize(yaml::kMaxBytes + 1);
  return text;
}

LoadResult load_topology(const std::string& path, const Variables& variables) {
  auto text = read_topology_file(path);
  if (!text.ok()) {
    LoadResult r;
    r.errors.push_back(text.error());
    return r;
  }
  return parse_topology(*text, path, variables);
}

}  // namespace netlab
