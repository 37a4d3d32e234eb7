// Link conditions as the kernel realises them (src/plan/plan_conditions.cpp):
// one form for what the topology asks and what the machine holds, so that
// plans compare and `status` prints both the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "netlab/kernel.hpp"
#include "netlab/topology.hpp"

namespace netlab {

/// What makes one end's egress conditions: a root qdisc on the end (tbf or
/// netem), and without netem a drop on the ingress of the other end.
struct RealisedConditions {
  std::optional<RootQdisc> qdisc;  ///< the lab's (handle kConditionsQdiscHandle)
  std::uint32_t peer_loss = 0;     ///< ppm dropped on the peer's ingress (nftables)
  bool empty() const { return !qdisc && peer_loss == 0; }
};

/// "rate 10mbit, loss 1%, delay 20ms"; "none" when empty.
std::string conditions_text(const RealisedConditions& c);

/// How this kernel does `c`: with netem everything through netem; without,
/// rate through tbf and loss through nftables. `missing` gets what neither
/// can do ("delay, jitter") and is left empty when all can be done.
RealisedConditions realise(const LinkConditions& c, const KernelCapabilities& caps,
                           std::string& missing);

/// "netem" or "tbf + nftables": the backend `plan` names.
std::string conditions_backend(const KernelCapabilities& caps);

}  // namespace netlab
