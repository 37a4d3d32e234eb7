// The loss seam: packet loss without netem, as nftables drops. Each lab has
// one table `netdev netlab-<lab>` in every namespace where it drops
// something, with one chain per device, `loss-<device>`, on that device's
// INGRESS hook: `numgen random mod 1000000 < PPM drop`. Loss asked for on
// the egress of one veth end is a drop on the ingress of the other end:
// measured, a drop on the sender's own egress hook is reported back to a
// local sender (ping re-sent and showed 0 % loss where the peer measured
// 30 %), while the same drop on the peer's ingress is silent, as on a wire.
// Real implementation: libnftables (make_nftables_loss); fake:
// tests/fakes/fake_loss.hpp; both held to tests/support/loss_contract.hpp.
//
// Conventions for every call:
// - A call names a lab and acts on that lab's table only, in namespace `ns`
//   ("" = root); no other table is read for change or touched.
// - set() is idempotent and replaces the device's chain in one transaction
//   (the table is made when missing); clear() of an absent chain or table
//   succeeds, and removes the table with its last chain.
// - Errors name the operation, the device and the namespace.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "netlab/error.hpp"

namespace netlab {

/// Family of every lab loss table.
inline constexpr const char* kLossFamily = "netdev";
/// "netlab-<lab>" (the NAT table has the same name in family ip).
inline std::string loss_table_name(const std::string& lab) { return "netlab-" + lab; }
/// "loss-<device>".
inline std::string loss_chain_name(const std::string& device) { return "loss-" + device; }

/// One drop as found: chain loss-<device> on device's ingress.
struct LossChainState {
  std::string device;
  std::uint32_t ppm = 0;
  bool operator==(const LossChainState&) const = default;
};

/// The lab's table in one namespace.
struct LossTableState {
  std::vector<LossChainState> chains;  ///< by device name
  /// Chains or rules of the table not of netlab's shape (the table is then
  /// repaired by replacing the chains it holds).
  std::vector<std::string> other;
  const LossChainState* find(const std::string& device) const {
    for (const auto& c : chains)
      if (c.device == device) return &c;
    return nullptr;
  }
};

/// JSON batch that makes the table if needed and (re)places the device's chain.
std::string loss_set_json(const std::string& lab, const std::string& device, std::uint32_t ppm);
/// Parses `nft -j list table netdev netlab-<lab>` output.
Result<LossTableState> parse_loss_table_json(std::string_view json);

class LossTables {
 public:
  virtual ~LossTables() = default;
  /// The lab's tables in those of `namespaces` ("" = root) that have one.
  virtual Result<std::map<std::string, LossTableState>> observe(
      const std::string& lab, const std::vector<std::string>& namespaces) = 0;
  /// Drops `ppm` parts per million of what arrives on `device` in `ns`.
  virtual Status set(const std::string& lab, const std::string& ns, const std::string& device,
                     std::uint32_t ppm) = 0;
  /// Stops that; removes the table when no chain is left.
  virtual Status clear(const std::string& lab, const std::string& ns,
                       const std::string& device) = 0;
};

/// The real tables, through libnftables, entering each namespace.
std::unique_ptr<LossTables> make_nftables_loss();

}  // namespace netlab
