// The kernel contract: what every Kernel implementation must do, as plain
// functions with Catch2 assertions inside. Run against the FakeKernel
// (tests/unit/fakes/fake_kernel_test.cpp) and against the real kernel
// (tests/integration/kernel/contract_test.cpp); every check here has been
// verified on a real Linux kernel.
//
// Each function creates only named namespaces called `prefix` + a short
// suffix (so `prefix` must be at most 11 characters and unique to the call,
// e.g. testing::unique_name()), never touches the root namespace (but for
// contract_root_links_by_name), and removes
// everything it created even when an assertion fails.
#pragma once

#include <string>

#include "netlab/kernel.hpp"

namespace netlab::testing {

/// create/list/observe/delete a namespace; EEXIST / ENOENT; lo starts down
/// without addresses and gets 127.0.0.1/8 and ::1/128 when brought up.
void contract_namespace_lifecycle(Kernel& k, const std::string& prefix);
/// veth between two namespaces and inside one: kind, peer, peer_ns,
/// peer_known (false when the peer's namespace is not observed), down, mtu
/// 1500, unicast lower-case MAC, alias on both ends, distinct ifindexes.
void contract_veth_across_namespaces(Kernel& k, const std::string& prefix);
/// Deleting either end of a veth removes the other; ENODEV for a missing link.
void contract_delete_one_veth_end_removes_peer(Kernel& k, const std::string& prefix);
/// Deleting a namespace destroys its links and their veth peers elsewhere
/// (waited for with wait_links_gone); wait_links_gone times out (kind
/// Timeout) on a link that stays.
void contract_delete_namespace_destroys_links(Kernel& k, const std::string& prefix);
/// Duplicate names: EEXIST for namespaces, veths (either end) and bridges,
/// with nothing half-created; the same name in another namespace is fine.
void contract_duplicate_create_eexist(Kernel& k, const std::string& prefix);
/// Addresses: add/delete v4 and v6, EEXIST, EADDRNOTAVAIL, ENODEV; connected
/// routes only while the link is up; IPv6 addresses flushed on link down.
void contract_addresses(Kernel& k, const std::string& prefix);
/// Routes: via gateway (dev resolved), dev-only, default, v6; RTPROT_STATIC;
/// EEXIST, ENETUNREACH / EHOSTUNREACH, ENETDOWN, ENODEV, ESRCH; routes vanish
/// when their link goes down.
void contract_routes(Kernel& k, const std::string& prefix);
/// change_link: up, mtu, mac (lower-cased), alias set/clear, master of a
/// bridge and back, and the errors (ENODEV, EOPNOTSUPP, EINVAL, EADDRNOTAVAIL).
void contract_link_changes(Kernel& k, const std::string& prefix);
/// move_link: the link arrives down, without addresses or master, the veth
/// peer follows the move; EEXIST, ENODEV, ENOENT; same namespace is a no-op.
void contract_move_link(Kernel& k, const std::string& prefix);
/// Sysctls per namespace: defaults, write/read, observe, ip_forward coupling,
/// per-interface keys, ENOENT for unknown keys and namespaces.
void contract_sysctls(Kernel& k, const std::string& prefix);
/// Per-interface sysctls (net.ipv4.conf.IF.*, net.ipv6.conf.IF.*): they
/// appear with the interface (from conf.default), go with it when it is
/// deleted (also as a veth peer) and move with it to another namespace.
void contract_interface_sysctls(Kernel& k, const std::string& prefix);
/// Errors carry kind Kernel, the errno, and name the operation, the object
/// and the namespace.
void contract_errors_name_operation_object_and_errno(Kernel& k, const std::string& prefix);

/// create_vxlan: the device is in its namespace (not the root) with its
/// id, underlay addresses, port, alias, down, mtu 1500; EEXIST for its name
/// or for its VNI and port again (from any namespace); ENOENT for a missing
/// namespace; deleted like any link.
void contract_vxlan(Kernel& k, const std::string& prefix);

/// ObserveOptions::root_links: a root link named is read with its peer and
/// bridge, the bridge and a link holding an address are reported unnamed,
/// other root links and absent names are not. The one contract that makes
/// root links: named `prefix` + R1..R3/RB, deleted even when a check fails.
void contract_root_links_by_name(Kernel& k, const std::string& prefix);

/// All of the above but contract_root_links_by_name, each with its own names
/// derived from `prefix` (at most 11 characters).
void contract_all(Kernel& k, const std::string& prefix);

}  // namespace netlab::testing
