// Typed reading of YAML nodes for the section parsers: every mismatch becomes
// an Error at the node's position, and reading goes on with the next value.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/ip.hpp"
#include "parse/yaml_tree.hpp"

namespace netlab {

/// What the parser had to leave out after reporting an error. The validator
/// stays quiet about what these gaps would make it see (an interface "not
/// created by anything" because its link did not parse): one mistake, one error.
struct ParseGaps {
  bool placement = false;  ///< a link or a port was dropped or is incomplete
  bool names = false;      ///< the namespaces: or bridges: section was unusable
  /// (namespace or "" for host, interface) whose settings did not all parse.
  std::set<std::pair<std::string, std::string>> configs;
};

/// Collects parse errors; every reader call reports its own problems.
class Reader {
 public:
  explicit Reader(std::vector<Error>& errors) : errors_(errors) {}

  void error(const SourcePos& pos, std::string message);

  /// "a scalar '10.0.0.1'", "a list", "a map", "nothing".
  static std::string describe(const yaml::Node& n);

  /// True for a map; Null counts as an empty map. Else reports
  /// "CONTEXT: expected WHAT, got ..." and returns false.
  bool expect_map(const yaml::Node& n, std::string_view context, std::string_view what);
  /// Same for lists.
  bool expect_list(const yaml::Node& n, std::string_view context, std::string_view what);

  /// Reports every key of `map` not in `known`, with a did-you-mean hint.
  void check_keys(const yaml::Node& map, const std::vector<std::string>& known,
                  std::string_view context);

  /// A scalar as text (numbers and booleans as written). Reports anything else.
  std::optional<std::string> scalar(const yaml::Node& n, std::string_view context,
                                    std::string_view what);
  /// A plain decimal integer that fits an int.
  std::optional<int> integer(const yaml::Node& n, std::string_view context, std::string_view what);
  /// true / false (also True, TRUE, False, FALSE).
  std::optional<bool> boolean(const yaml::Node& n, std::string_view context, std::string_view what);
  std::optional<IpAddress> address(const yaml::Node& n, std::string_view context,
                                   std::string_view what);
  std::optional<IpPrefix> prefix(const yaml::Node& n, std::string_view context,
                                 std::string_view what);

  /// Errors so far: compare two counts to learn whether a step reported any.
  std::size_t count() const { return errors_.size(); }

  ParseGaps gaps;

 private:
  std::vector<Error>& errors_;
};

/// "red: " style prefix for messages: "CONTEXT: " or "" when context is empty.
std::string ctx(std::string_view context);

}  // namespace netlab
