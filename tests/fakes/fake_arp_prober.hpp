// An ArpProber with scripted answers: who answers for which address on which
// link. Unscripted probes get no answer, as on a link where nobody holds the
// address. Records every probe.
#pragma once

#include <map>
#include <mutex>
#include <tuple>

#include "netlab/arp_prober.hpp"

namespace netlab::testing {

class FakeArpProber final : public ArpProber {
 public:
  struct Call {
    std::string ns, ifname;
    IpAddress target;
    int count = 0;
  };

  /// `macs` answer for `target` on `ns`:`ifname`.
  void answer(const std::string& ns, const std::string& ifname, const IpAddress& target,
              std::vector<std::string> macs) {
    answers_[{ns, ifname, target}] = std::move(macs);
  }
  /// Probing on `ns`:`ifname` fails with `error` (e.g. the link is gone).
  void fail(const std::string& ns, const std::string& ifname, Error error) {
    failures_.insert_or_assign(std::pair{ns, ifname}, std::move(error));
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  Result<std::vector<std::string>> probe(const std::string& ns, const std::string& ifname,
                                         const IpAddress& target, int count,
                                         std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    calls_.push_back({ns, ifname, target, count});
    if (auto f = failures_.find({ns, ifname}); f != failures_.end()) return f->second;
    auto a = answers_.find({ns, ifname, target});
    return a == answers_.end() ? std::vector<std::string>{} : a->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, IpAddress>, std::vector<std::string>> answers_;
  std::map<std::pair<std::string, std::string>, Error> failures_;
  std::vector<Call> calls_;
};

}  // namespace netlab::testing
