// Test support for integration tests: independent checks through the system's
// own tools (ip -j, ovs-vsctl), unique names, and clean-up that runs even
// when a test fails half-way.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace netlab::testing {

struct Output {
  int exit_code = -1;
  std::string text;  ///< stdout only
  std::string err;   ///< stderr, only from run_both
};

/// Runs argv (no shell) and captures stdout; stderr goes to the test log.
Output run(const std::vector<std::string>& argv);
/// Runs argv and captures stdout and stderr (for checking error messages).
Output run_both(const std::vector<std::string>& argv);
/// Runs argv and parses its stdout as JSON (e.g. `ip -j link`); throws on failure.
nlohmann::json run_json(const std::vector<std::string>& argv);

/// A short name unique to this process and call, e.g. "t1234a7" + suffix;
/// at most 15 characters together with `suffix` (Linux's limit).
std::string unique_name(const std::string& suffix = "");

/// Whether named namespace `ns` exists (ip netns list).
bool namespace_exists(const std::string& ns);
/// `ip -j [-n NS] link show` as JSON ("" = root namespace).
nlohmann::json ip_links(const std::string& ns = "");
/// The link named `name` in `ns` from `ip -j -d link`, or null JSON.
nlohmann::json ip_link(const std::string& ns, const std::string& name);
/// `ip -j [-n NS] addr show dev IF` addresses as "ADDR/LEN" strings.
std::vector<std::string> ip_addresses(const std::string& ns, const std::string& ifname);

/// Runs `fn` when destroyed: put clean-up in one before creating objects.
class Cleanup {
 public:
  explicit Cleanup(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~Cleanup() {
    if (fn_) fn_();
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;

 private:
  std::function<void()> fn_;
};

/// Best-effort removal: `ip netns del NS` / `ip link del NAME` ignoring errors.
void remove_namespace(const std::string& ns);
void remove_link(const std::string& ns, const std::string& name);

}  // namespace netlab::testing
