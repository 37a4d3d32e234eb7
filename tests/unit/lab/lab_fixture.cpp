#include "lab_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>

namespace netlab::testing {

Status KernelBackedFakeOvs::apply(const OvsTransaction& txn, std::chrono::milliseconds timeout) {
  // Internal ports and bridges that go away take their kernel device along.
  auto before = state();
  std::vector<std::string> gone;
  for (const auto& p : txn.del_ports) gone.push_back(p.name);
  for (const auto& b : txn.del_bridges) {
    if (const auto* br = before.find_bridge(b))
      for (const auto& p : br->ports)
        if (p.type == "internal") gone.push_back(p.name);
  }
  Status st = FakeOvs::apply(txn, timeout);
  auto after = state();
  for (const auto& name : gone) {
    if (after.bridge_of_port(name)) continue;
    for (const auto& [ns, n] : kernel_.snapshot().namespaces)
      if (n.links.count(name) && n.links.at(name).kind == LinkKind::OvsInternal)
        (void)kernel_.delete_link(ns, name);
  }
  for (const auto& b : after.bridges) {
    for (const auto& p : b.ports) {
      if (p.type != "internal" || before.bridge_of_port(p.name)) continue;
      FakeLink l;
      l.name = p.name;
      l.kind = LinkKind::OvsInternal;
      l.kind_text = "tun";
      kernel_.seed_link("", l);
    }
  }
  return st;
}

FakeWorld::FakeWorld() {
  static std::atomic<int> n{0};
  dir = std::filesystem::temp_directory_path() /
        ("netlab-unit-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  std::filesystem::create_directories(dir);
}

FakeWorld::~FakeWorld() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string FakeWorld::write(const std::string& name, const std::string& yaml) const {
  auto path = dir / name;
  std::ofstream(path) << yaml;
  return path;
}

LabOptions FakeWorld::options() const {
  LabOptions o;
  o.state_root = dir / "state";
  o.parallelism = 3;
  o.lock_timeout = std::chrono::milliseconds(2000);
  return o;
}

Lab FakeWorld::load(const std::string& yaml, LabOptions o) const {
  auto lab = Lab::load(write("topo.yaml", yaml), std::move(o), backends());
  if (!lab.ok()) FAIL(lab.error().str());
  return std::move(*lab);
}

}  // namespace netlab::testing
