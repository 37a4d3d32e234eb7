// Errors of the netlink layer: libnl's NLE_* codes mapped back to errno, and
// Error values that name the operation and the object.
#pragma once

#include <string>

#include "netlab/error.hpp"

namespace netlab::nl {

/// The errno closest to libnl error code `nle` (positive or negative NLE_*).
/// libnl folds several errnos into one code; this is the best inverse.
int nle_to_errno(int nle);

/// Error{Kernel (Permission for EPERM/EACCES), "OP: Text (ENAME)[: kernel says: EXT]"}.
Error kernel_error(const std::string& op, int err, const std::string& ext = "");

/// "NAME" or "NAME (netns NS)" for a non-root namespace.
std::string object_in(const std::string& name, const std::string& ns);

}  // namespace netlab::nl
