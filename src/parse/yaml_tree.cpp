// The only file that includes yaml-cpp: it throws, so every call is wrapped here.
#include "parse/yaml_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <sstream>

namespace netlab::yaml {

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

// Records where the documents of a stream start, and nothing else.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& m) override { starts.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where a second document starts, if there is one. YAML::LoadAll can loop
// forever on some malformed input (it keeps yielding empty documents), so the
// documents are counted by hand and never more than two are asked for.
std::optional<YAML::Mark> second_document(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentCounter counter;
  for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
  }
  if (counter.starts.size() < 2) return std::nullopt;
  return counter.starts[1];
}

class Converter {
 public:
  Converter(const std::string& file, std::vector<Error>& errors) : file_(file), errors_(errors) {}

  // Returns false once the node budget is exhausted (the tree is then unusable).
  bool convert(const YAML::Node& in, Node& out, int depth, const SourcePos* null_pos) {
    if (++count_ > kMaxNodes) {
      if (!budget_reported_) {
        budget_reported_ = true;
        errors_.push_back(make_error(
            file_, 1, 1,
            "the file expands to more than " + std::to_string(kMaxNodes) +
                " YAML nodes (aliases referring to aliases?); a topology is far smaller"));
      }
      return false;
    }
    YAML::Mark m = in.Mark();
    out.pos = SourcePos{file_, m.line + 1, m.column + 1};
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = Kind::Null;
        // yaml-cpp puts an empty value at the next token; the key is what the user sees.
        if (null_pos) out.pos = *null_pos;
        return true;
      case YAML::NodeType::Scalar:
        out.kind = Kind::Scalar;
        out.text = in.Scalar();
        out.plain = in.Tag() == "?";
        return true;
      case YAML::NodeType::Sequence:
        out.kind = Kind::Sequence;
        if (depth >= kMaxDepth) return true;
        for (auto it = in.begin(); it != in.end(); ++it) {
          out.items.emplace_back();
          if (!convert(*it, out.items.back(), depth + 1, nullptr)) return false;
        }
        return true;
      case YAML::NodeType::Map: {
        out.kind = Kind::Map;
        if (depth >= kMaxDepth) return true;
        std::map<std::string, SourcePos> seen;
        for (auto it = in.begin(); it != in.end(); ++it) {
          Node key;
          if (!convert(it->first, key, depth + 1, nullptr)) return false;
          if (!key.is_scalar()) {
            errors_.push_back(make_error(
                file_, key.pos.line, key.pos.column,
                "a map key must be a plain name, not " + std::string(key.is_seq()   ? "a list"
                                                                     : key.is_map() ? "a map"
                                                                                    : "empty")));
            continue;
          }
          auto [where, fresh] = seen.emplace(key.text, key.pos);
          if (!fresh) {
            errors_.push_back(make_error(file_, key.pos.line, key.pos.column,
                                         "duplicate key '" + key.text + "' (first at line " +
                                             std::to_string(where->second.line) +
                                             "); remove or rename one of them"));
            continue;
          }
          Node value;
          if (!convert(it->second, value, depth + 1, &key.pos)) return false;
          out.entries.emplace_back(std::move(key), std::move(value));
        }
        return true;
      }
    }
    return true;
  }

 private:
  const std::string& file_;
  std::vector<Error>& errors_;
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
  YAML::Node doc;
  std::optional<YAML::Mark> second_doc;
  try {
    doc = YAML::Load(std::string(text));
    second_doc = second_document(text);
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
  if (second_doc) {
    errors.push_back(make_error(file, second_doc->line + 1, second_doc->column + 1,
                                "the file holds more than one YAML document; a topology is exactly "
                                "one (remove '---')"));
  }
  Node root;
  try {
    Converter conv(file, errors);
    SourcePos start{file, 1, 1};
    if (!conv.convert(doc, root, 0, &start)) return std::nullopt;
  } catch (...) {
    // yaml-cpp's accessors are not documented as nothrow; never let one escape.
    errors.push_back(make_error(file, 1, 1, "cannot read YAML: internal failure"));
    return std::nullopt;
  }
  return root;
}

}  // namespace netlab::yaml
