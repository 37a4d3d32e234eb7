// tests/data/invalid: one broken rule per file. Each file states the errors it
// must produce, "# expect: LINE:COL: message substring", in its first lines
// (or in a sidecar NAME.expect for files that cannot hold comments); the
// parser must report exactly those, at exactly those positions.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse/parse.hpp"

namespace fs = std::filesystem;
using namespace netlab;

namespace {

struct Expectation {
  int line = 0, column = 0;
  std::string text;
};

std::optional<Expectation> parse_expectation(const std::string& s) {
  Expectation e;
  char colon1 = 0, colon2 = 0;
  std::istringstream in(s);
  if (!(in >> e.line >> colon1 >> e.column >> colon2) || colon1 != ':' || colon2 != ':') {
    return std::nullopt;
  }
  std::getline(in, e.text);
  auto start = e.text.find_first_not_of(' ');
  e.text = start == std::string::npos ? "" : e.text.substr(start);
  return e;
}

std::vector<Expectation> expectations_of(const fs::path& file) {
  std::vector<Expectation> out;
  fs::path sidecar = file;
  sidecar.replace_extension(".expect");
  bool use_sidecar = fs::exists(sidecar);
  std::ifstream in(use_sidecar ? sidecar : file);
  std::string line;
  const std::string tag = "# expect:";
  while (std::getline(in, line)) {
    if (!use_sidecar) {
      if (line.rfind(tag, 0) != 0) break;  // only the leading comment lines
      line = line.substr(tag.size());
    }
    if (line.empty()) continue;
    auto e = parse_expectation(line);
    if (e) out.push_back(*e);
  }
  return out;
}

}  // namespace

TEST_CASE("every invalid file reports exactly its expected errors", "[parse][invalid]") {
  fs::path dir = fs::path(NETLAB_SOURCE_DIR) / "tests" / "data" / "invalid";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".expect") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 150);  // issue 10: at least 150 bad inputs
  for (const auto& file : files) {
    auto expected = expectations_of(file);
    auto result = load_topology(file.string());
    std::string got;
    for (const auto& e : result.errors) got += "\n  " + e.str();
    INFO(file.filename().string() << " reported:" << got);
    REQUIRE_FALSE(expected.empty());  // a file without expectations is a broken test
    CHECK_FALSE(result.ok());
    CHECK_FALSE(result.topology.has_value());
    CHECK(result.errors.size() == expected.size());
    for (const auto& x : expected) {
      bool found = false;
      for (const auto& e : result.errors) {
        found = found || (e.where.line == x.line && e.where.column == x.column &&
                          e.message.find(x.text) != std::string::npos);
      }
      INFO("expected " << x.line << ":" << x.column << ": " << x.text);
      CHECK(found);
    }
    for (const auto& e : result.errors) {
      CHECK(e.kind == ErrorKind::InvalidTopology);
      CHECK(e.where.file == file.string());
    }
    // Reported in file order.
    CHECK(std::is_sorted(result.errors.begin(), result.errors.end(),
                         [](const Error& a, const Error& b) { return a.where < b.where; }));
  }
}
