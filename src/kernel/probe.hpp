// The capability probe: which link kinds this kernel can create.
#pragma once

#include "netlab/kernel.hpp"

namespace netlab::nl {

/// Creates throw-away links in an anonymous namespace (unshared by a helper
/// thread, never bind-mounted: it vanishes with the thread and its socket,
/// even if netlab is killed half-way). Everything false without privilege.
KernelCapabilities probe_capabilities();

}  // namespace netlab::nl
