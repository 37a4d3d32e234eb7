// The kernel probe's answer kept in a lab's state directory: used only when
// it is exactly ours (format, key, a regular file of this user that nobody
// else may write); any doubt means a probe.
#include "lab/kernel_features_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "fakes/fake_kernel.hpp"
#include "support/temp_dir.hpp"

using namespace netlab;
using namespace netlab::testing;

namespace {

class CountingKernel : public FakeKernel {
 public:
  KernelCapabilities capabilities() override {
    ++probes;
    return FakeKernel::capabilities();
  }
  int probes = 0;
};

KernelCapabilities some_caps() {
  KernelCapabilities c;
  c.veth = c.bridge = c.vxlan = c.tbf = true;
  return c;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("kernel features: the record reads back what was written, for its key only",
          "[lab][features]") {
  const KernelCapabilities caps = some_caps();
  const std::string text = format_kernel_features("k1", caps);
  KernelCapabilities read;
  REQUIRE(parse_kernel_features(text, "k1", read));
  CHECK(read.veth);
  CHECK(read.tbf);
  CHECK_FALSE(read.netem);
  CHECK_FALSE(read.vlan_8021q);

  KernelCapabilities untouched;
  untouched.netem = true;
  CHECK_FALSE(parse_kernel_features(text, "k2", untouched));  // another boot or kernel
  CHECK_FALSE(parse_kernel_features(text + "netem 1\n", "k1", untouched));
  std::string flipped = text;
  flipped.replace(flipped.find("tbf 1"), 5, "tbf 2");
  CHECK_FALSE(parse_kernel_features(flipped, "k1", untouched));
  CHECK_FALSE(parse_kernel_features(text.substr(0, text.size() - 8), "k1", untouched));
  CHECK_FALSE(parse_kernel_features("", "k1", untouched));
  CHECK(untouched.netem);  // a failed parse leaves the answer alone
}

TEST_CASE("kernel features: probed once per boot, recorded in the state directory",
          "[lab][features]") {
  TempDir root("features");
  StateDir state(root.path, "feat");
  CountingKernel kernel;

  // No state directory (a lab not up yet): probed, nothing written.
  (void)cached_kernel_features(state, kernel);
  CHECK(kernel.probes == 1);
  REQUIRE_FALSE(state.exists());

  REQUIRE(state.ensure().ok());
  (void)cached_kernel_features(state, kernel);
  CHECK(kernel.probes == 2);
  const std::string file = state.path() + "/kernel-features";
  struct stat st {};
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  (void)cached_kernel_features(state, kernel);
  CHECK(kernel.probes == 2);  // the record answered

  SECTION("a record others may write is not trusted") {
    REQUIRE(chmod(file.c_str(), 0666) == 0);
    (void)cached_kernel_features(state, kernel);
    CHECK(kernel.probes == 3);
    REQUIRE(stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);  // written anew
  }
  SECTION("a record of another key or format is not trusted") {
    write_text(file, format_kernel_features("another boot", some_caps()));
    REQUIRE(chmod(file.c_str(), 0600) == 0);
    (void)cached_kernel_features(state, kernel);
    CHECK(kernel.probes == 3);
  }
  SECTION("a symlink is not followed") {
    const std::string target = root.path + "/elsewhere";
    write_text(target, format_kernel_features(kernel_features_key(), some_caps()));
    REQUIRE(chmod(target.c_str(), 0600) == 0);
    REQUIRE(unlink(file.c_str()) == 0);
    REQUIRE(symlink(target.c_str(), file.c_str()) == 0);
    (void)cached_kernel_features(state, kernel);
    CHECK(kernel.probes == 3);
  }
  SECTION("what the record says is the answer") {
    KernelCapabilities recorded = some_caps();
    recorded.netem = true;
    write_text(file, format_kernel_features(kernel_features_key(), recorded));
    REQUIRE(chmod(file.c_str(), 0600) == 0);
    CHECK(cached_kernel_features(state, kernel).netem);
    CHECK(kernel.probes == 2);
  }
}
