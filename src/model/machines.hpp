// Labs spanning machines: which machine each namespace, bridge and link end
// is on, the VXLAN id of a link between two machines, and the topology one
// machine runs (its share). The validator, the Lab and `netlab split` use
// these, so that every machine derives the same VNIs from the same file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netlab/error.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// Bytes a VXLAN frame adds on an IPv4 underlay: outer Ethernet 14, IPv4 20,
/// UDP 8, VXLAN 8.
inline constexpr int kVxlanOverhead = 50;
/// Underlay MTU of a machine that does not say one.
inline constexpr int kDefaultUnderlayMtu = 1500;

/// The machine a namespace or bridge named `owner` is on: its `machine:`,
/// else the topology's only machine; "" when the topology declares no
/// machines (the one implicit machine), when it declares several and the
/// owner names none (an error the validator reports), and for "host", which
/// is on every machine (a host end is on the machine of the link's other end).
std::string machine_of(const Topology& t, const std::string& owner);

/// The machines of a link's two ends; a host end takes the other end's.
std::pair<std::string, std::string> link_machines(const Topology& t, const Link& link);

/// Whether the link's ends are on two different (declared) machines.
bool is_stitched(const Topology& t, const Link& link);

/// The VXLAN id of a stitched link: its `vni:`, else derived from the lab
/// name and the link's two ends: FNV-1a (32 bit) of
/// "LAB\nEND1\nEND2" (the ends as OWNER:IF, sorted, so both ends' machines
/// agree), folded to 24 bits (high byte XOR low 24 bits); 0 becomes 1.
std::uint32_t stitch_vni(const std::string& lab, const Link& link);

/// The underlay MTU of machine `m` (its `mtu:`, else 1500).
int underlay_mtu(const Machine& m);

/// Two stitched links with one VNI (derived or given), as errors at the
/// later link's position; `t.name` is the lab name the VNIs derive from.
std::vector<Error> vni_collisions(const Topology& t);

/// The share of `t` that machine `machine` runs: its namespaces and
/// bridges, the links with both ends on it, and each link with one end on
/// it, carrying its Stitch (local end, VNI, both underlay addresses, port,
/// MTU); DHCP servers in its namespaces; the host section as it is; no
/// tests (`netlab test` reads the whole topology). `narrowed_to` says which
/// machine. Errors: no such machine (naming the declared ones and the
/// flag), VNI collisions after --prefix changed the lab name.
Result<Topology> narrow_to_machine(const Topology& t, const std::string& machine);

/// Which machine to act as when no --machine is given: the file's own
/// `machine:` (a split file), else the only machine, else the one whose
/// underlay address is among `local_addresses` (addresses of the current
/// network namespace). Errors name --machine: none or several match.
Result<std::string> pick_machine(const Topology& t, const std::vector<IpAddress>& local_addresses);

}  // namespace netlab
