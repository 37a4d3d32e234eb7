// Texts of the OVS errors a user sees, shared by the OVSDB client and the
// fake (tests/fakes/fake_ovs) so that both fail with the same words. Header
// only: the fake is linked into test binaries that do not link src/ovs.
#pragma once

#include <string>
#include <utility>

#include "netlab/error.hpp"

namespace netlab::ovs {

inline constexpr const char* kOvsCtlStart = "/usr/share/openvswitch/scripts/ovs-ctl start";
inline constexpr const char* kOvsPackage = "openvswitch-switch";

/// OVS is installed but ovsdb-server does not listen on `socket_path`.
inline Error not_running_error(const std::string& socket_path, int err = 0) {
  return make_error(ErrorKind::Ovs,
                    "Open vSwitch is not running (no database at " + socket_path +
                        "): start it with " + kOvsCtlStart,
                    err);
}

/// OVS is not installed at all.
inline Error not_installed_error(const std::string& socket_path, int err = 0) {
  return make_error(ErrorKind::Ovs,
                    "Open vSwitch is not installed (no database at " + socket_path +
                        " and no ovsdb-server): install the Debian package " + kOvsPackage +
                        " (apt-get install " + kOvsPackage + "), then start it with " +
                        kOvsCtlStart,
                    err);
}

/// `what` ("bridge ovs1", "port veth-r") exists but is not marked as `lab`'s.
inline Error not_owned_error(const std::string& operation, const std::string& what,
                             const std::string& owner, const std::string& lab) {
  return make_error(ErrorKind::Conflict,
                    operation + ": " + what + " is not owned by lab '" + lab + "' (" +
                        (owner.empty() ? std::string("no external_ids:netlab-lab mark")
                                       : "it belongs to lab '" + owner + "'") +
                        "); refusing to change it");
}

/// ovs-vswitchd could not open interface `name` (after the commit).
inline Error interface_failed_error(const std::string& name, const std::string& bridge,
                                    const std::string& ovs_error) {
  return make_error(
      ErrorKind::Ovs,
      "ovs-vswitchd could not add interface " + name + " to bridge " + bridge + ": " +
          (ovs_error.empty() ? std::string("no OpenFlow port assigned (see /var/log/openvswitch/"
                                           "ovs-vswitchd.log)")
                             : ovs_error));
}

/// A failed operation of an OVSDB transaction: "ovsdb transact (LABEL): ERROR: DETAILS".
inline Error transact_error(const std::string& label, const std::string& error,
                            const std::string& details) {
  return make_error(ErrorKind::Ovs, "ovsdb transact (" + label + "): " + error +
                                        (details.empty() ? std::string() : ": " + details));
}

}  // namespace netlab::ovs
