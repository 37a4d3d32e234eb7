// A small, exception-free YAML tree: the only view of YAML the section parsers get.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netlab/error.hpp"

namespace netlab::yaml {

enum class Kind { Null, Scalar, Sequence, Map };

/// One YAML node with its position (1-based). Aliases are expanded into copies,
/// duplicate map keys are dropped (and reported), keys are always scalars.
struct Node {
  Kind kind = Kind::Null;
  std::string text;   ///< Scalar only: the value as written (without quotes)
  bool plain = true;  ///< Scalar written without quotes or an explicit tag
  SourcePos pos;
  std::vector<Node> items;                     ///< Sequence
  std::vector<std::pair<Node, Node>> entries;  ///< Map, in file order

  // Declared here, defined in yaml_tree.cpp where Node is complete: inline
  // ones make clang with libstdc++ instantiate std::pair<Node, Node> while
  // Node is still incomplete (a hard error there; gcc happens to accept it).
  Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;
  ~Node();

  bool is_null() const { return kind == Kind::Null; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_seq() const { return kind == Kind::Sequence; }
  bool is_map() const { return kind == Kind::Map; }
  /// The value of key `key` in a map, or nullptr.
  const Node* find(std::string_view key) const;
};

/// Upper bounds that keep hostile input (alias bombs, huge files) from hanging us.
inline constexpr std::size_t kMaxNodes = 200000;
inline constexpr std::size_t kMaxBytes = 16 * 1024 * 1024;

/// Parses `text` (one YAML document). Never throws. Problems (syntax errors,
/// non-text input, duplicate keys, more than one document, too many nodes) are
/// appended to `errors`; returns nullopt when no usable tree could be built.
/// An empty document (nothing but comments) yields a Null node.
std::optional<Node> load_yaml(std::string_view text, const std::string& file,
                              std::vector<Error>& errors);

}  // namespace netlab::yaml
