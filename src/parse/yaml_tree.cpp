// The only file that includes yaml-cpp: it throws, so every call is wrapped here.
#include "parse/yaml_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace netlab::yaml {

Node::Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;
Node::~Node() = default;

const Node* Node::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k.text == key) return &v;
  return nullptr;
}

namespace {

// Deeper than any valid topology (which nests about six levels); below this
// we keep collections but drop their children, since the section parsers have
// already rejected the value at a shallower level.
constexpr int kMaxDepth = 32;

Error make_error(const std::string& file, int line, int col, std::string msg) {
  return Error{ErrorKind::InvalidTopology, std::move(msg), SourcePos{file, line, col}};
}

// Finds the first byte that makes the input not UTF-8 text (NUL, control
// characters, malformed sequences). Returns its line/column, 1-based.
std::optional<std::pair<std::pair<int, int>, std::string>> find_non_text(std::string_view s) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    if (c == 0) return {{{line, col}, "a NUL byte"}};
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
      return {{{line, col}, "control character " + std::to_string(c)}};
    }
    if (c >= 0x80) {
      if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
        len = 2;
      } else if ((c & 0xF0) == 0xE0) {
        len = 3;
      } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
        len = 4;
      } else {
        return {{{line, col}, "a byte that is not UTF-8"}};
      }
      if (i + len > s.size()) return {{{line, col}, "a truncated UTF-8 sequence"}};
      for (std::size_t k = 1; k < len; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
          return {{{line, col}, "a byte that is not UTF-8"}};
        }
      }
      // RFC 3629: the shortest form only, no UTF-16 surrogates, nothing
      // above U+10FFFF. The second byte's range is what tells them apart.
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xF0 && c1 < 0x90)) {
        return {{{line, col}, "an overlong UTF-8 sequence"}};
      }
      if (c == 0xED && c1 >= 0xA0) return {{{line, col}, "a UTF-16 surrogate encoded as UTF-8"}};
      if (c == 0xF4 && c1 >= 0x90) return {{{line, col}, "a code point above U+10FFFF"}};
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    i += len;
  }
  return std::nullopt;
}

std::string line_of(std::string_view text, int line) {
  int l = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size() && l < line; ++i) {
    if (text[i] == '\n') {
      ++l;
      start = i + 1;
    }
  }
  if (l != line) return "";
  auto end = text.find('\n', start);
  return std::string(text.substr(start, end == std::string_view::npos ? end : end - start));
}

// Builds our Node tree straight from yaml-cpp's parser events, in one pass
// (YAML::Load builds its own node graph first, and a second pass was needed
// to count documents: together three times the work on a large file).
// Enforces what a topology needs: unique scalar map keys, a node budget
// (alias bombs), a depth below which children are dropped.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const std::string& file, std::vector<Error>& errors) : file_(file), errors_(errors) {}

  int documents = 0;
  std::optional<YAML::Mark> second_document;
  bool over_budget() const { return budget_reported_; }
  Node take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark& m) override {
    if (++documents == 2) second_document = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    Node n;
    n.pos = pos(m);
    add(std::move(n), anchor);
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    Node n;
    if (it != anchors_.end()) {
      // Each use of an alias is a full copy, counted against the budget.
      if (!charge(size_of(it->second))) return;
      n = it->second;
    } else {
      n.pos = pos(m);  // an alias of a collection still open: left empty
    }
    add(std::move(n), 0, /*charged=*/true);
  }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node n;
    n.kind = Kind::Scalar;
    n.pos = pos(m);
    n.text = value;
    n.plain = tag == "?";
    add(std::move(n), anchor);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(m, Kind::Sequence, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(m, Kind::Map, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    Node node;
    YAML::anchor_t anchor;
    std::vector<Node> children;  // a map's keys and values, alternating
    bool dropped;                // deeper than kMaxDepth: children not kept
  };

  SourcePos pos(const YAML::Mark& m) const { return SourcePos{file_, m.line + 1, m.column + 1}; }

  static std::size_t size_of(const Node& n) {
    std::size_t k = 1;
    for (const auto& i : n.items) k += size_of(i);
    for (const auto& [key, value] : n.entries) k += size_of(key) + size_of(value);
    return k;
  }

  bool charge(std::size_t nodes) {
    count_ += nodes;
    if (count_ <= kMaxNodes) return true;
    if (!budget_reported_) {
      budget_reported_ = true;
      errors_.push_back(
          make_error(file_, 1, 1,
                     "the file expands to more than " + std::to_string(kMaxNodes) +
                         " YAML nodes (aliases referring to aliases?); a topology is far smaller"));
    }
    return false;
  }

  void open(const YAML::Mark& m, Kind kind, YAML::anchor_t anchor) {
    if (budget_reported_ || !charge(1)) return;
    Node n;
    n.kind = kind;
    n.pos = pos(m);
    bool dropped = !stack_.empty() && (stack_.back().dropped || stack_.size() >= kMaxDepth);
    stack_.push_back(Open{std::move(n), anchor, {}, dropped});
  }

  void close() {
    if (budget_reported_ || stack_.empty()) return;
    Open o = std::move(stack_.back());
    stack_.pop_back();
    if (o.node.kind == Kind::Map) build_entries(o);
    add(std::move(o.node), o.anchor, /*charged=*/true);
  }

  // Pairs a map's children into entries, as the section parsers expect them.
  void build_entries(Open& o) {
    // Duplicates are found among the entries kept so far (the first of equal
    // keys is kept): by a scan for the usual map of a few keys, by a hash of
    // views into the keys for a large one. A std::map of copies of every key
    // and position was ~2% of a 1000-host validate. The views stay valid:
    // `entries` is reserved, so its keys never move.
    o.node.entries.reserve(o.children.size() / 2);
    constexpr std::size_t kScanUpTo = 8;
    std::unordered_map<std::string_view, std::size_t> seen;
    auto first_of = [&](const std::string& text) -> const Node* {
      const auto& entries = o.node.entries;
      if (entries.size() <= kScanUpTo) {
        for (const auto& [k, v] : entries)
          if (k.text == text) return &k;
        return nullptr;
      }
      if (seen.empty())  // just grown past the scan: index what is there
        for (std::size_t i = 0; i < entries.size(); ++i) seen.emplace(entries[i].first.text, i);
      auto it = seen.find(text);
      return it == seen.end() ? nullptr : &entries[it->second].first;
    };
    for (std::size_t i = 0; i + 1 < o.children.size(); i += 2) {
      Node& key = o.children[i];
      Node& value = o.children[i + 1];
      if (!key.is_scalar()) {
        errors_.push_back(make_error(
            file_, key.pos.line, key.pos.column,
            "a map key must be a plain name, not " + std::string(key.is_seq()   ? "a list"
                                                                 : key.is_map() ? "a map"
                                                                                : "empty")));
        continue;
      }
      if (const Node* first = first_of(key.text)) {
        errors_.push_back(make_error(file_, key.pos.line, key.pos.column,
                                     "duplicate key '" + key.text + "' (first at line " +
                                         std::to_string(first->pos.line) +
                                         "); remove or rename one of them"));
        continue;
      }
      // yaml-cpp puts an empty value at the next token; the key is what the user sees.
      if (value.is_null()) value.pos = key.pos;
      o.node.entries.emplace_back(std::move(key), std::move(value));
      if (!seen.empty()) seen.emplace(o.node.entries.back().first.text, o.node.entries.size() - 1);
    }
  }

  void add(Node n, YAML::anchor_t anchor, bool charged = false) {
    if (budget_reported_ || (!charged && !charge(1))) return;
    if (anchor) anchors_[anchor] = n;
    if (stack_.empty()) {
      if (documents == 1) root_ = std::move(n);  // later documents are only reported
      return;
    }
    Open& parent = stack_.back();
    if (parent.dropped || stack_.size() > kMaxDepth) return;
    if (parent.node.kind == Kind::Sequence)
      parent.node.items.push_back(std::move(n));
    else
      parent.children.push_back(std::move(n));
  }

  const std::string& file_;
  std::vector<Error>& errors_;
  std::vector<Open> stack_;
  std::map<YAML::anchor_t, Node> anchors_;
  Node root_;
  std::size_t count_ = 0;
  bool budget_reported_ = false;
};

}  // namespace

std::optional<Node> load_yaml(std::string_view text, const std::string& file,
                              std::vector<Error>& errors) {
  if (text.size() > kMaxBytes) {
    errors.push_back(make_error(file, 1, 1,
                                "the file is " + std::to_string(text.size()) +
                                    " bytes; a topology file may be at most " +
                                    std::to_string(kMaxBytes)));
    return std::nullopt;
  }
  if (auto bad = find_non_text(text)) {
    auto [lc, what] = *bad;
    errors.push_back(make_error(
        file, lc.first, lc.second,
        "the file is not YAML text: it contains " + what + " here; is this the right file?"));
    return std::nullopt;
  }
  TreeBuilder builder(file, errors);
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    // The first document, then at most one more call to see whether a second
    // starts (never loop over documents: yaml-cpp can yield empty ones forever).
    if (parser.HandleNextDocument(builder)) (void)parser.HandleNextDocument(builder);
  } catch (const YAML::DeepRecursion& e) {
    errors.push_back(make_error(file, e.mark.line + 1, e.mark.column + 1,
                                "the YAML nests deeper than " + std::to_string(e.depth()) +
                                    " levels; a topology nests about six"));
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    std::string msg = "YAML syntax error: " + e.msg;
    int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    int col = e.mark.is_null() ? 1 : e.mark.column + 1;
    std::string l = line_of(text, line);
    auto indent_end = l.find_first_not_of(" \t");
    if (l.substr(0, indent_end).find('\t') != std::string::npos) {
      msg += "; this line is indented with a tab, and YAML indentation must use spaces";
    }
    errors.push_back(make_error(file, line, col, std::move(msg)));
    return std::nullopt;
  } catch (const std::exception& e) {
    errors.push_back(make_error(file, 1, 1, std::string("cannot read YAML: ") + e.what()));
    return std::nullopt;
  } catch (...) {
    errors.push_back(make_error(file, 1, 1, "cannot read YAML: unknown failure"));
    return std::nullopt;
  }
  if (builder.second_document) {
    const YAML::Mark& m = *builder.second_document;
    errors.push_back(make_error(file, m.line + 1, m.column + 1,
                                "the file holds more than one YAML document; a topology is exactly "
                                "one (remove '---')"));
  }
  if (builder.over_budget()) return std::nullopt;
  Node root = builder.take_root();
  // An empty document (only comments) is a Null at the start of the file.
  if (root.is_null()) root.pos = SourcePos{file, 1, 1};
  return root;
}

}  // namespace netlab::yaml
