// The whole-file rules of the format, split by concern over a few files.
// A Validator indexes the topology once; each check_* adds its errors.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parse/parse.hpp"
#include "parse/reader.hpp"

namespace netlab {

class Validator {
 public:
  Validator(const Topology& t, ParseGaps gaps);

  std::vector<Error> run();

  // One per file: validate_names.cpp, validate_links.cpp, validate_interfaces.cpp,
  // validate_dhcp.cpp, validate_tests.cpp.
  void check_names();
  void check_root_names();
  void check_namespace_duplicates();
  void check_links();
  void check_bridges();
  void check_interfaces();
  void check_routes_and_sysctls();
  void check_dhcp();
  void check_nat();
  void check_tests();
  void check_services();
  void check_conditions();  ///< validate_conditions.cpp
  void check_machines();    ///< validate_machines.cpp

  // Helpers shared by the checks.
  void error(const SourcePos& pos, std::string message);
  /// The first placement of `name` in namespace `ns` ("" = root), or nullptr.
  const InterfacePlacement* placed(const std::string& ns, const std::string& name) const;
  /// Names placed in `ns`, for did-you-mean hints.
  std::vector<std::string> placed_names(const std::string& ns) const;
  /// The interfaces: entry for `name` in `ns` ("" = host), or nullptr.
  const InterfaceConfig* config(const std::string& ns, const std::string& name) const;
  std::vector<std::string> namespace_names() const;
  /// `ns` for messages: "the root namespace" for "", else "namespace 'NS'".
  static std::string ns_label(const std::string& ns) {
    return ns.empty() ? "the root namespace" : "namespace '" + ns + "'";
  }
  /// Checks a VLAN id (1-4094).
  void check_vlan_id(int id, const SourcePos& pos, const std::string& context);
  void check_port_options(const PortOptions& o, const std::string& context);
  /// True when a link has an end `bridge:port`.
  bool is_link_end_of(const std::string& bridge, const std::string& port) const;

  const Topology& t;
  std::vector<InterfacePlacement> placements;
  std::map<std::string, std::vector<const InterfacePlacement*>> by_ns;
  /// Root-namespace veth ends that are bridge ports: name -> bridge (the
  /// first). Hashed: only looked up and counted, never listed in order.
  std::unordered_map<std::string, std::string> bridge_ends;
  std::vector<Error> errors;
  /// What the parser left out: checks that would only echo a parse error are skipped.
  ParseGaps gaps;
  bool config_gap(const std::string& ns, const std::string& name) const {
    return gaps.configs.count({ns, name}) > 0;
  }
};

/// validate_topology, told what the parser had to leave out.
std::vector<Error> validate_with_gaps(const Topology& topology, const ParseGaps& gaps);

/// Formats a line reference for "first at line N" style messages.
std::string at_line(const SourcePos& pos);

/// Where each name was first seen, for "defined twice (first at ...)": keyed
/// by views of names that outlive it (the topology's, the validator's), so
/// that no name or position is copied.
using FirstSeen = std::unordered_map<std::string_view, const SourcePos*>;

}  // namespace netlab
