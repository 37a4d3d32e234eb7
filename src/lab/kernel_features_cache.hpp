// The kernel capability probe's answer, kept in a lab's state directory for
// the rest of the boot. The probe makes a throw-away namespace with a veth,
// bridges, a vxlan, qdiscs, a vlan and a macvlan: 70-100 ms of every `up`
// and `plan` of a lab with link conditions or VLANs (and the kernel then
// tears that namespace down while the lab applies).
#pragma once

#include <string>

#include "netlab/kernel.hpp"
#include "netlab/state_dir.hpp"

namespace netlab {

/// What `key` says about this machine: netlab's version, the boot, the
/// kernel (release and build) and its module index, so that a new boot, a
/// new kernel or newly installed modules make the probe run again.
std::string kernel_features_key();

/// The file's text for `caps` under `key`, and back. parse fails (false) on
/// anything but exactly what format wrote, or another key.
std::string format_kernel_features(const std::string& key, const KernelCapabilities& caps);
bool parse_kernel_features(const std::string& text, const std::string& key,
                           KernelCapabilities& caps);

/// The capabilities of `kernel`: from `state`'s record when it is ours (a
/// regular file of this user, written by nobody else) and of this boot,
/// kernel and netlab; else probed, and recorded when the state directory
/// exists. Any doubt about the record means a probe, never an error.
KernelCapabilities cached_kernel_features(const StateDir& state, Kernel& kernel);

}  // namespace netlab
