// Two namespaces joined by a veth, made with ip(8) itself (not by the code
// under test), for integration tests that need a wire to measure, capture or
// check on; removed when the test ends, however it ends.
#pragma once

#include <string>
#include <vector>

#include "support/system.hpp"
#include "support/temp_dir.hpp"

namespace netlab::testing {

/// Runs `argv`; a command that fails fails the test, naming the command.
void must(const std::vector<std::string>& argv);

/// Namespaces a and b, a:ifa <net>.1/24 <-> b:ifb <net>.2/24, loopbacks and
/// both ends up, and a private directory `dir`.
struct VethPair {
  /// `net`: the first three octets ("10.78.1"); `tag`: in the names of the
  /// namespaces, the interfaces and the directory, to tell whose they are.
  explicit VethPair(const std::string& net, const std::string& tag);
  std::string a, b, ifa, ifb;
  std::string addr_a, addr_b;  ///< without the prefix length
  TempDir tmp;
  std::string dir = tmp.path;
  Cleanup guard;
};

}  // namespace netlab::testing
