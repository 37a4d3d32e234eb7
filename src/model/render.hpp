// The topology as a picture for learners: Graphviz DOT and Mermaid.
#pragma once

#include <string>

#include "netlab/topology.hpp"

namespace netlab {

/// A Graphviz DOT graph (`graph`, undirected) of `topology`: one cluster per
/// namespace holding its interfaces (with addresses or "DHCP"), a cluster for
/// the root namespace ("host") holding root-side interfaces and the bridges,
/// bridges as nodes showing kind and datapath, one edge per veth pair between
/// the nodes of its two interfaces, port edges carrying VLAN tags/trunks,
/// internal ports, DHCP servers and NAT rules as notes. Every name is quoted
/// and escaped, so any topology (even an invalid one) gives valid DOT; the
/// output is deterministic (the file's order). Pure: no I/O.
std::string render_dot(const Topology& topology);

/// The same picture as a Mermaid `flowchart LR` (GitHub renders it in
/// Markdown). Node ids are sanitized to [A-Za-z0-9_] and made unique; labels
/// are quoted with Mermaid entity escapes. Pure: no I/O.
std::string render_mermaid(const Topology& topology);

}  // namespace netlab
