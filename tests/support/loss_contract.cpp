#include "support/loss_contract.hpp"

#include <catch2/catch.hpp>

namespace netlab::testing {

namespace {

void require_ok(const Status& st) {
  INFO((st.ok() ? std::string() : st.error().str()));
  REQUIRE(st.ok());
}

std::map<std::string, LossTableState> observe(LossTables& t, const std::string& lab,
                                              const std::vector<std::string>& ns) {
  auto r = t.observe(lab, ns);
  INFO((r.ok() ? std::string() : r.error().str()));
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

void loss_contract(LossTables& loss, Kernel& kernel, const std::string& prefix) {
  REQUIRE(prefix.size() <= 11);
  const std::string ns = prefix + "-l", lab = prefix + "lab", other = prefix + "oth";
  struct Guard {
    Kernel& k;
    std::string ns;
    ~Guard() { (void)k.delete_namespace(ns); }
  } guard{kernel, ns};
  require_ok(kernel.create_namespace(ns));
  require_ok(kernel.create_veth({"x0", ns, "x1", ns, ""}));
  require_ok(kernel.create_veth({"y0", ns, "y1", ns, ""}));

  CHECK(observe(loss, lab, {ns}).empty());
  require_ok(loss.clear(lab, ns, "x1"));

  require_ok(loss.set(lab, ns, "x1", 300000));
  auto seen = observe(loss, lab, {ns});
  REQUIRE(seen.count(ns));
  CHECK(seen.at(ns).chains == std::vector<LossChainState>{{"x1", 300000}});
  CHECK(seen.at(ns).other.empty());
  require_ok(loss.set(lab, ns, "x1", 300000));
  CHECK(observe(loss, lab, {ns}).at(ns).chains == std::vector<LossChainState>{{"x1", 300000}});
  require_ok(loss.set(lab, ns, "x1", 50000));
  CHECK(observe(loss, lab, {ns}).at(ns).chains == std::vector<LossChainState>{{"x1", 50000}});

  require_ok(loss.set(lab, ns, "y1", 5));
  CHECK(observe(loss, lab, {ns}).at(ns).chains ==
        std::vector<LossChainState>{{"x1", 50000}, {"y1", 5}});

  // Another lab's table in the same namespace is its own.
  require_ok(loss.set(other, ns, "x1", 1000));
  require_ok(loss.clear(lab, ns, "x1"));
  CHECK(observe(loss, lab, {ns}).at(ns).chains == std::vector<LossChainState>{{"y1", 5}});
  CHECK(observe(loss, other, {ns}).at(ns).chains == std::vector<LossChainState>{{"x1", 1000}});
  require_ok(loss.clear(lab, ns, "y1"));
  CHECK(observe(loss, lab, {ns}).empty());
  require_ok(loss.clear(lab, ns, "y1"));

  // A device that does not exist: older kernels refuse the chain (an error
  // naming the device and the namespace, nothing made); this one (6.18)
  // accepts it and hooks the device when it appears. Both are the contract.
  auto missing = loss.set(lab, ns, "nodev0", 1000);
  if (!missing.ok()) {
    CHECK(missing.error().message.find("nodev0") != std::string::npos);
    CHECK(missing.error().message.find(ns) != std::string::npos);
    CHECK(observe(loss, lab, {ns}).empty());
  } else {
    CHECK(observe(loss, lab, {ns}).at(ns).chains ==
          std::vector<LossChainState>{{"nodev0", 1000}});
    require_ok(loss.clear(lab, ns, "nodev0"));
    CHECK(observe(loss, lab, {ns}).empty());
  }

  // The namespace takes the other lab's table along.
  require_ok(kernel.delete_namespace(ns));
  CHECK(observe(loss, other, {ns}).empty());
}

}  // namespace netlab::testing
