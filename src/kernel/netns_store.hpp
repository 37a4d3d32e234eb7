// Named network namespaces under /run/netns, made and removed exactly as
// iproute2's `ip netns add` / `ip netns del` do, with one cached netlink
// socket per namespace.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/netns_file.hpp"
#include "kernel/netns_handle.hpp"
#include "netlab/error.hpp"

namespace netlab::nl {

class NetnsStore {
 public:
  /// Binds the root namespace to the namespace of the constructing thread.
  NetnsStore();

  /// The handle of `ns` ("" = root), opening its socket on first use. A
  /// cached handle whose /run/netns file no longer names the same namespace
  /// (deleted or replaced behind netlab's back) is dropped. ENOENT if absent.
  Result<std::shared_ptr<NetnsHandle>> get(const std::string& ns);

  /// `ip netns add NS`; the new namespace's socket is opened on the way.
  Status create(const std::string& ns);
  /// `ip netns del NS`: drops the cached socket (it would keep the namespace
  /// alive), lazily unmounts and unlinks the file.
  Status remove(const std::string& ns);
  /// Sorted names under /run/netns.
  Result<std::vector<std::string>> list() const;

  /// The root namespace's handle (always open).
  std::shared_ptr<NetnsHandle> root() const { return root_; }

 private:
  Status ensure_run_dir();
  void forget(const std::string& ns);

  std::shared_ptr<NetnsHandle> root_;
  std::mutex mu_;  // guards cache_ and run_dir_ready_
  std::map<std::string, std::shared_ptr<NetnsHandle>> cache_;
  bool run_dir_ready_ = false;
};

}  // namespace netlab::nl
