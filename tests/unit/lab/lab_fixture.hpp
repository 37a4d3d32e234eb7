// A Lab wired to the fakes: FakeKernel, FakeOvs (whose internal ports appear
// as kernel links, as ovs-vswitchd makes them), FakeProcesses, and a private
// state directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "fakes/fake_kernel.hpp"
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

 private:
  FakeKernel& kernel_;
};

struct FakeWorld {
  std::shared_ptr<FakeKernel> kernel = std::make_shared<FakeKernel>();
  std::shared_ptr<KernelBackedFakeOvs> ovs = std::make_shared<KernelBackedFakeOvs>(*kernel);
  std::shared_ptr<FakeProcesses> processes = std::make_shared<FakeProcesses>();
  std::filesystem::path dir;

  FakeWorld();
  ~FakeWorld();
  /// Writes `yaml` to a file in the world's directory and returns its path.
  std::string write(const std::string& name, const std::string& yaml) const;
  LabOptions options() const;
  LabBackends backends() const { return {kernel, ovs, processes}; }
  /// Loads `yaml` as a lab; REQUIREs success.
  Lab load(const std::string& yaml, LabOptions options) const;
  Lab load(const std::string& yaml) const { return load(yaml, this->options()); }
};

}  // namespace netlab::testing
