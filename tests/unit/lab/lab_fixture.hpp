// A Lab wired to the fakes: FakeKernel, FakeOvs (whose internal ports appear
// as kernel links, as ovs-vswitchd makes them), FakeProcesses, FakeNat (no
// unit test reads or changes the host's nftables), and a private state
// directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "fakes/fake_kernel.hpp"
#include "fakes/fake_loss.hpp"
#include "fakes/fake_nat.hpp"
#include "fakes/fake_ovs.hpp"
#include "fakes/fake_processes.hpp"
#include "netlab/lab.hpp"

namespace netlab::testing {

/// FakeOvs whose internal ports show up in the fake kernel's root namespace,
/// and vanish from wherever they are when their port is deleted.
class KernelBackedFakeOvs : public FakeOvs {
 public:
  explicit KernelBackedFakeOvs(FakeKernel& k) : kernel_(k) {}
  Status apply(const OvsTransaction& txn, std::chrono::milliseconds timeout) override;
  /// A system port opens a link of the fake kernel's root namespace.
  bool device_exists(const std::string& name) const override {
    return kernel_.snapshot().namespaces.at("").links.count(name) > 0;
  }

 private:
  FakeKernel& kernel_;
};

struct FakeWorld {
  std::shared_ptr<FakeKernel> kernel = std::make_shared<FakeKernel>();
  std::shared_ptr<KernelBackedFakeOvs> ovs = std::make_shared<KernelBackedFakeOvs>(*kernel);
  /// Runs processes in the fake kernel's namespaces.
  std::shared_ptr<FakeProcesses> processes = std::make_shared<FakeProcesses>(*kernel);
  std::shared_ptr<FakeNat> nat = std::make_shared<FakeNat>();
  /// Loss tables in the fake kernel's namespaces.
  std::shared_ptr<FakeLoss> loss = std::make_shared<FakeLoss>(*kernel);
  std::filesystem::path dir;

  FakeWorld();
  ~FakeWorld();
  /// Writes `yaml` to a file in the world's directory and returns its path.
  std::string write(const std::string& name, const std::string& yaml) const;
  LabOptions options() const;
  LabBackends backends() const { return {kernel, ovs, processes, nat, loss}; }
  /// Loads `yaml` as a lab; REQUIREs success.
  Lab load(const std::string& yaml, LabOptions options) const;
  Lab load(const std::string& yaml) const { return load(yaml, this->options()); }
};

/// A link the user made by hand: up, no mark of any lab.
inline FakeLink foreign_link(const std::string& name) {
  FakeLink l;
  l.name = name;
  l.kind = LinkKind::Veth;
  l.kind_text = "dummy";
  l.up = true;
  return l;
}

}  // namespace netlab::testing
