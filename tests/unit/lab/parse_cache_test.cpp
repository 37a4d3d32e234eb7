// The parse cache: a hit only for exactly the same input (file bytes,
// variables, path as given, executable, format), only from an entry that is
// plainly ours and whole; a failed parse is never kept; only a standing lab
// keeps one, and its down takes it away.
#include "lab/parse_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lab_fixture.hpp"
#include "support/require_ok.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace netlab;
using namespace netlab::testing;

namespace {

const char* kText = R"(name: pcache
namespaces:
  red:
    interfaces:
      eth0: {addresses: ["${NET:-10.9.0}.1/24"]}
  blue:
    interfaces:
      eth0: {addresses: [10.9.0.2/24]}
links:
  - [red:eth0, blue:eth0]
)";

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A state root and a topology file beside it; `cache` as the first run of
// executable "exe-1" made it, with one entry stored.
struct Setup {
  TempDir dir{"parse-cache"};
  std::string root = dir.path + "/state";
  std::string file = dir.path + "/lab.yaml";
  ParseCache cache{root, "exe-1"};
  Topology parsed;

  Setup() {
    REQUIRE(fs::create_directory(root));
    write_text(file, kText);
    CachedParse first = parse_with_cache(cache, kText, file, {});
    REQUIRE(first.loaded.ok());
    REQUIRE_FALSE(first.hit);
    parsed = *first.loaded.topology;
    const std::string bytes = cache.entry(file, {}, kText, parsed);
    REQUIRE_FALSE(bytes.empty());
    REQUIRE(cache.store(file, bytes));
  }
  bool hit(const ParseCache& c, const std::string& text, const std::string& path,
           const Variables& vars = {}) const {
    CachedParse p = parse_with_cache(c, text, path, vars);
    REQUIRE(p.loaded.ok());
    return p.hit;
  }
  bool hit() const { return hit(cache, kText, file); }
  std::string entry() const { return cache.entry_path(file); }
};

}  // namespace

TEST_CASE("parse cache: a hit gives the model the parse gave", "[lab][parse-cache]") {
  Setup s;
  CHECK(mode_of(s.cache.directory()) == 0700);
  CHECK(mode_of(s.entry()) == 0600);
  CachedParse again = parse_with_cache(s.cache, kText, s.file, {});
  REQUIRE(again.hit);
  REQUIRE(again.loaded.ok());
  CHECK(*again.loaded.topology == s.parsed);
  CHECK(again.loaded.topology->find_namespace("blue") != nullptr);
}

TEST_CASE("parse cache: any change of the input is a miss", "[lab][parse-cache]") {
  Setup s;
  SECTION("the file's bytes") {
    CHECK_FALSE(s.hit(s.cache, std::string(kText) + "# a comment\n", s.file));
    CHECK_FALSE(s.hit(s.cache, std::string(kText) + "\n", s.file));
  }
  SECTION("the variables, also one the file does not use") {
    CHECK_FALSE(s.hit(s.cache, kText, s.file, {{"NET", "10.9.0"}}));
    CHECK_FALSE(s.hit(s.cache, kText, s.file, {{"OTHER", "x"}}));
  }
  SECTION("the path as given, for the same file") {
    const std::string same = s.dir.path + "/./lab.yaml";
    REQUIRE(s.cache.entry_path(same) == s.entry());  // one entry per file
    CachedParse p = parse_with_cache(s.cache, kText, same, {});
    CHECK_FALSE(p.hit);
    CHECK(p.loaded.topology->file == same);  // positions name the path as given
  }
  SECTION("the executable") {
    CHECK_FALSE(s.hit(ParseCache(s.root, "exe-2"), kText, s.file));
    CHECK_FALSE(s.hit(ParseCache(s.root, ""), kText, s.file));  // unknown: never cached
    CHECK(ParseCache(s.root, "").entry(s.file, {}, kText, s.parsed).empty());
  }
  SECTION("the format") {
    CHECK_FALSE(s.hit(ParseCache(s.root, "exe-1", kParseCacheFormat + 1), kText, s.file));
  }
  // A miss does not disturb the entry: the same input still hits.
  CHECK(s.hit());
}

TEST_CASE("parse cache: an entry cut short or changed is parsed again", "[lab][parse-cache]") {
  Setup s;
  const std::string whole = read_text(s.entry());
  REQUIRE(whole.size() > 100);
  auto with = [&](const std::string& bytes) {
    write_text(s.entry(), bytes);
    REQUIRE(chmod(s.entry().c_str(), 0600) == 0);
    return s.hit();
  };
  CHECK_FALSE(with(whole.substr(0, whole.size() - 1)));
  CHECK_FALSE(with(whole.substr(0, whole.size() / 2)));
  CHECK_FALSE(with(""));
  CHECK_FALSE(with(whole + "x"));
  for (std::size_t at : {std::size_t{3}, whole.size() / 2, whole.size() - 40, whole.size() - 1}) {
    std::string changed = whole;
    changed[at] = static_cast<char>(changed[at] ^ 0x20);
    INFO("byte " << at);
    CHECK_FALSE(with(changed));
  }
  CHECK(with(whole));  // and the whole entry is still good
}

TEST_CASE("parse cache: only an entry plainly ours is read", "[lab][parse-cache]") {
  Setup s;
  const std::string entry = s.entry();
  SECTION("of another owner") {
    REQUIRE(chown(entry.c_str(), 1, 1) == 0);  // the unit tests run as root
    CHECK_FALSE(s.hit());
  }
  SECTION("writable by the group") {
    REQUIRE(chmod(entry.c_str(), 0620) == 0);
    CHECK_FALSE(s.hit());
  }
  SECTION("writable by others") {
    REQUIRE(chmod(entry.c_str(), 0602) == 0);
    CHECK_FALSE(s.hit());
  }
  SECTION("a symlink to a good entry") {
    const std::string elsewhere = s.dir.path + "/elsewhere";
    REQUIRE(rename(entry.c_str(), elsewhere.c_str()) == 0);
    REQUIRE(symlink(elsewhere.c_str(), entry.c_str()) == 0);
    CHECK_FALSE(s.hit());
  }
  SECTION("a second name of a good entry (hard link)") {
    REQUIRE(link(entry.c_str(), (s.dir.path + "/second").c_str()) == 0);
    CHECK_FALSE(s.hit());
  }
  SECTION("in a directory the group may write") {
    REQUIRE(chmod(s.cache.directory().c_str(), 0770) == 0);
    CHECK_FALSE(s.hit());
    // Nor is anything written there.
    CHECK_FALSE(s.cache.store(s.file, s.cache.entry(s.file, {}, kText, s.parsed)));
    REQUIRE(chmod(s.cache.directory().c_str(), 0700) == 0);
  }
  SECTION("in a directory of another owner") {
    REQUIRE(chown(s.cache.directory().c_str(), 1, 1) == 0);
    CHECK_FALSE(s.hit());
  }
  SECTION("through a symlinked directory") {
    const std::string moved = s.dir.path + "/moved";
    REQUIRE(rename(s.cache.directory().c_str(), moved.c_str()) == 0);
    REQUIRE(symlink(moved.c_str(), s.cache.directory().c_str()) == 0);
    CHECK_FALSE(s.hit());
    REQUIRE(unlink(s.cache.directory().c_str()) == 0);
    REQUIRE(rename(moved.c_str(), s.cache.directory().c_str()) == 0);
  }
  // A store writes a good entry over whatever was there (not through it).
  REQUIRE(chown(s.cache.directory().c_str(), geteuid(), getegid()) == 0);
  CHECK(s.cache.store(s.file, s.cache.entry(s.file, {}, kText, s.parsed)));
  CHECK(mode_of(entry) == 0600);
  CHECK(s.hit());
}

TEST_CASE("parse cache: a failed parse is never kept, and its errors are the parser's",
          "[lab][parse-cache]") {
  TempDir dir("parse-cache");
  const std::string root = dir.path + "/state";
  const std::string file = dir.path + "/bad.yaml";
  ParseCache cache(root, "exe-1");
  const std::string bad = std::string(kText) + "  - [red:eth9, nowhere:eth0]\n";
  CachedParse p = parse_with_cache(cache, bad, file, {});
  REQUIRE_FALSE(p.loaded.ok());
  const LoadResult direct = parse_topology(bad, file);
  REQUIRE(p.loaded.errors.size() == direct.errors.size());
  for (std::size_t i = 0; i < direct.errors.size(); ++i)
    CHECK(p.loaded.errors[i].str() == direct.errors[i].str());

  // A file that parsed before and fails now (its variable makes it invalid):
  // the old entry is not used for the new input, and nothing new is kept.
  fs::create_directory(root);
  CachedParse good = parse_with_cache(cache, kText, file, {});
  REQUIRE(good.loaded.ok());
  REQUIRE(cache.store(file, cache.entry(file, {}, kText, *good.loaded.topology)));
  const std::string before = read_text(cache.entry_path(file));
  CachedParse now = parse_with_cache(cache, kText, file, {{"NET", "not-an-address"}});
  CHECK_FALSE(now.hit);
  CHECK_FALSE(now.loaded.ok());
  CHECK(read_text(cache.entry_path(file)) == before);
}

TEST_CASE("parse cache: an unwritable state root means a parse, without error",
          "[lab][parse-cache]") {
  TempDir dir("parse-cache");
  ParseCache cache(dir.path + "/no/such/root", "exe-1");
  CachedParse p = parse_with_cache(cache, kText, dir.path + "/lab.yaml", {});
  REQUIRE(p.loaded.ok());
  CHECK_FALSE(cache.store(dir.path + "/lab.yaml",
                          cache.entry(dir.path + "/lab.yaml", {}, kText, *p.loaded.topology)));
  CHECK_FALSE(fs::exists(dir.path + "/no"));
}

TEST_CASE("parse cache: a lab keeps its parse while it stands", "[lab][parse-cache]") {
  FakeWorld w;
  const LabOptions o = w.options();
  const std::string file = w.write("topo.yaml", kText);
  const ParseCache cache(o.state_root);
  auto kept = [&] { return cache.lookup(file, {}, kText).has_value(); };

  // plan (and a load that goes no further) keeps nothing.
  {
    auto lab = Lab::load(file, o, w.backends());
    REQUIRE_OK(lab);
    REQUIRE_OK(lab->plan());
  }
  CHECK_FALSE(fs::exists(cache.directory()));

  {
    auto lab = Lab::load(file, o, w.backends());
    REQUIRE_OK(lab);
    REQUIRE_OK(lab->up());
  }
  CHECK(kept());
  {
    // The next load reads it back, and is the same lab.
    auto lab = Lab::load(file, o, w.backends());
    REQUIRE_OK(lab);
    CHECK(lab->name() == "pcache");
    auto again = lab->up();
    REQUIRE_OK(again);
    CHECK(again->plan.empty());
    REQUIRE_OK(lab->down());
  }
  // Down leaves nothing in the state root: no entry, no directory.
  CHECK_FALSE(kept());
  CHECK_FALSE(fs::exists(cache.directory()));
  CHECK(fs::is_empty(o.state_root));
}

TEST_CASE("parse cache: a plan that missed keeps nothing, also with --prefix or an edit",
          "[lab][parse-cache]") {
  FakeWorld w;
  LabOptions o = w.options();
  const std::string file = w.write("topo.yaml", kText);
  const ParseCache cache(o.state_root);
  SECTION("plain") {}
  SECTION("--prefix") { o.prefix = "p-"; }
  auto lab = Lab::load(file, o, w.backends());
  REQUIRE_OK(lab);
  REQUIRE_OK(lab->set_link_state("red:eth0", false));
  REQUIRE_OK(lab->plan());
  // The entry is made only where it is stored (keep_parse after an up):
  // CachedParse holds none, and a plan stores none.
  CHECK_FALSE(fs::exists(cache.directory()));
  CHECK_FALSE(cache.lookup(file, {}, kText).has_value());
}

TEST_CASE("parse cache: an up keeps the file's model, not the prefixed or edited one",
          "[lab][parse-cache]") {
  FakeWorld w;
  LabOptions o = w.options();
  const std::string file = w.write("topo.yaml", kText);
  const ParseCache cache(o.state_root);
  const LoadResult direct = parse_topology(kText, file);
  REQUIRE(direct.ok());
  bool edit = false;
  SECTION("--prefix") { o.prefix = "p-"; }
  SECTION("an edit before the up") { edit = true; }
  SECTION("--prefix and an edit") {
    o.prefix = "p-";
    edit = true;
  }
  {
    auto lab = Lab::load(file, o, w.backends());
    REQUIRE_OK(lab);
    if (edit) REQUIRE_OK(lab->set_link_state("red:eth0", false));  // the prefix is tried too
    REQUIRE_OK(lab->up());
    REQUIRE(lab->topology().has_value());
    CHECK_FALSE(*lab->topology() == *direct.topology);  // what the lab acts on differs
  }
  auto kept = cache.lookup(file, {}, kText);
  REQUIRE(kept.has_value());
  CHECK(*kept == *direct.topology);
  {
    // And the next load, a hit, makes the same lab as a parse would.
    auto lab = Lab::load(file, o, w.backends());
    REQUIRE_OK(lab);
    CHECK(lab->name() == (o.prefix.empty() ? "pcache" : "p-pcache"));
    REQUIRE_OK(lab->down());
  }
  CHECK_FALSE(fs::exists(cache.directory()));
}

TEST_CASE("parse cache: down by name forgets its entry; other labs' stay", "[lab][parse-cache]") {
  FakeWorld w;
  const LabOptions o = w.options();
  const std::string file = w.write("topo.yaml", kText);
  std::string text2 = kText;
  for (auto [from, to] : {std::pair<std::string, std::string>{"pcache", "pcache2"},
                          {"red", "green"},
                          {"blue", "yellow"}})
    for (auto at = text2.find(from); at != std::string::npos; at = text2.find(from, at + 1))
      text2.replace(at, from.size(), to);
  const std::string file2 = w.write("topo2.yaml", text2);
  const ParseCache cache(o.state_root);
  for (const auto& f : {file, file2}) {
    auto lab = Lab::load(f, o, w.backends());
    REQUIRE_OK(lab);
    REQUIRE_OK(lab->up());
  }
  REQUIRE(cache.lookup(file, {}, kText).has_value());
  REQUIRE(cache.lookup(file2, {}, text2).has_value());
  {
    auto lab = Lab::attach("pcache2", o, w.backends());
    REQUIRE_OK(lab);
    REQUIRE_OK(lab->down());
  }
  CHECK_FALSE(cache.lookup(file2, {}, text2).has_value());
  CHECK(cache.lookup(file, {}, kText).has_value());
  {
    auto lab = Lab::attach("pcache", o, w.backends());
    REQUIRE_OK(lab);
    REQUIRE_OK(lab->down());
  }
  CHECK_FALSE(fs::exists(cache.directory()));
}
