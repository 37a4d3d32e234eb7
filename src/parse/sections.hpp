// One parser per top-level section of a topology file. Each reads what it can,
// reports every problem through the Reader and skips only the broken value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netlab/topology.hpp"
#include "parse/reader.hpp"
#include "parse/yaml_tree.hpp"

namespace netlab {

void parse_namespaces(Reader& r, const yaml::Node& section, Topology& t);
void parse_bridges(Reader& r, const yaml::Node& section, Topology& t);
void parse_links(Reader& r, const yaml::Node& section, Topology& t);
void parse_dhcp(Reader& r, const yaml::Node& section, Topology& t);
void parse_host(Reader& r, const yaml::Node& section, Topology& t);
void parse_tests(Reader& r, const yaml::Node& section, Topology& t);
void parse_machines(Reader& r, const yaml::Node& section, Topology& t);
/// The `machine:` key of a namespace or bridge map (parse_machines.cpp).
std::optional<Located<std::string>> parse_machine_key(Reader& r, const yaml::Node& map,
                                                      std::string_view context);

// Shared pieces.

/// `interfaces:` of a namespace or of host.
/// `ns` is the namespace ("" for host), for ParseGaps.
std::vector<InterfaceConfig> parse_interfaces(Reader& r, const yaml::Node& map,
                                              const std::string& ns, std::string_view context);
/// `services:` of namespace `ns` (parse_services.cpp).
std::vector<Service> parse_services(Reader& r, const yaml::Node& map, const std::string& ns);
/// `sysctls: {key: scalar}`.
std::vector<Sysctl> parse_sysctls(Reader& r, const yaml::Node& map, std::string_view context);
/// "OWNER:IF".
std::optional<Endpoint> parse_endpoint(Reader& r, const yaml::Node& n, std::string_view context);
/// `vlan:` and `trunks:` keys of a port or a long-form link.
PortOptions parse_port_options(Reader& r, const yaml::Node& map, std::string_view context);
/// The value of key `key`, reporting "missing 'KEY' (EXPLANATION)" when absent.
const yaml::Node* require(Reader& r, const yaml::Node& map, std::string_view key,
                          std::string_view context, std::string_view explanation);

/// `conditions:` of a long-form link or an interface (`context` names it).
/// nullopt after reporting an error.
std::optional<LinkConditions> parse_conditions(Reader& r, const yaml::Node& n,
                                               const std::string& context);

/// `lease_time`: "1h", "30m", "45s", "2d", "1w", "1h30m", plain seconds, or
/// "infinite" (-> kInfiniteLease). nullopt when malformed or beyond INT_MAX.
std::optional<int> parse_lease_time(std::string_view text);

}  // namespace netlab
