// The real NAT seam: the lab's table through libnftables (src/services/nat.cpp
// builds the batches and parses the listings).
#include <memory>

#include "netlab/nat.hpp"

namespace netlab {
namespace {

class NftablesNat final : public NatTables {
 public:
  Result<NatTableState> observe(const std::string& lab) override {
    auto tables = nft_run("list tables");
    if (!tables) return tables.error();
    auto listed = parse_nat_table_json(*tables, lab);
    if (!listed) return listed.error();
    if (!listed->exists) return NatTableState{};
    auto table = nft_run(std::string("list table ") + kNatFamily + " " + nat_table_name(lab));
    if (!table) {
      // Deleted between the two reads.
      if (table.error().message.find("No such file") != std::string::npos) return NatTableState{};
      return table.error();
    }
    return parse_nat_table_json(*table, lab);
  }

  Status apply(const std::string& lab, const std::vector<NatRule>& rules) override {
    if (rules.empty()) return remove(lab);
    auto batch = nat_apply_json(lab, rules);
    if (!batch) return batch.error();
    return named(nft_run(*batch), "create nat table " + nat_table_name(lab));
  }

  Status remove(const std::string& lab) override {
    // add + delete in one transaction: no error when the table is missing.
    return named(nft_run(nat_delete_json(lab)), "delete nat table " + nat_table_name(lab));
  }

 private:
  static Status named(const Result<std::string>& r, const std::string& what) {
    if (r) return Status();
    Error e = r.error();
    e.message = what + ": " + e.message;
    return e;
  }
};

}  // namespace

std::unique_ptr<NatTables> make_nftables_nat() { return std::make_unique<NftablesNat>(); }

}  // namespace netlab
