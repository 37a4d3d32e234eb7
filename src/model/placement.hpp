// Where an interface of a topology lives: the two rules, written once, that
// the validator (place_interfaces, below), the
// resource graph, the desired model and the drawings all follow.
#pragma once

#include <string>
#include <vector>

#include "netlab/topology.hpp"

namespace netlab {

/// The namespace of a link end ("" = root): its owner when that is a
/// namespace, else the root namespace (a bridge's port or the host). An
/// owner that names nothing (an invalid file) is taken as a namespace.
std::string link_end_ns(const Topology& topology, const Endpoint& end);

/// The namespace an OVS internal port is moved to: its `namespace:`, with
/// "host" (and none) meaning the root namespace. (The validator refuses it
/// on a port that is not internal.)
std::string internal_port_ns(const BridgePort& port);

/// Names of the interfaces that live in each namespace and in the root
/// namespace ("" key), derived from links, ports and vlan sub-interfaces.
struct InterfacePlacement {
  std::string ns;  ///< "" = root namespace
  std::string name;
  enum class Source { VethEnd, OvsInternalPort, VlanSub, Bridge } source;
  SourcePos pos;
};
std::vector<InterfacePlacement> place_interfaces(const Topology& topology);

}  // namespace netlab
