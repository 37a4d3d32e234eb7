// The lab's state directory /run/netlab/<lab>/: what a lab owns that has no
// mark of its own (namespaces, host sysctl values from before the lab, pid
// files), the topology as applied, and the lock serialising up/down.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "netlab/daemon_spec.hpp"
#include "netlab/error.hpp"

namespace netlab {

inline constexpr const char* kDefaultStateRoot = "/run/netlab";

class StateDir {
 public:
  /// `root` is normally /run/netlab; the lab's files live in root/<lab>/.
  StateDir(std::string root, std::string lab);

  const std::string& lab() const { return lab_; }
  std::string path() const { return root_ + "/" + lab_; }
  bool exists() const;
  Status ensure();  ///< creates the directory (0700)
  /// Removes the lab's directory and everything in it (after a complete down).
  Status remove();

  /// Namespaces created by the lab. Recorded BEFORE the namespace is created,
  /// so that a crash in between leaves a record, never an unowned namespace.
  std::set<std::string> namespaces() const;
  Status record_namespace(const std::string& ns);
  Status forget_namespace(const std::string& ns);
  /// Named namespaces where the lab made a loss drop (loss.hpp): recorded
  /// before the drop is made, so that observe reads only those (and the
  /// root), not every namespace of the lab. Kept until the lab is removed.
  std::set<std::string> loss_namespaces() const;
  Status record_loss_namespace(const std::string& ns);

  /// Links the lab made or adopted in the root namespace, recorded before
  /// they are made: observe reads these (and the topology's) by name rather
  /// than every link of the root (ObserveOptions::root_links). nullopt when
  /// the lab has no such record (no state directory, or one made by a
  /// netlab before the record, or one a netlab before the record wrote
  /// lab.json in since: write_applied then drops the record for good): then
  /// only the marks on the links tell.
  /// A name stays recorded after its link is gone without the lab deleting
  /// it (a veth end that went with its peer's namespace): reading an absent
  /// name costs one request. Each record and forget appends one line (a
  /// name recorded twice is read once), so recording stays O(1) per link.
  std::optional<std::set<std::string>> root_links() const;
  /// Adds `name` to the record when the lab has one, creating the directory
  /// (and with it the record) when there is none yet; never starts a record
  /// in a state directory made without it (it would miss the older links).
  Status record_root_link(const std::string& name);
  /// Removes `name` from the record, after its link is gone; a no-op
  /// without a record.
  Status forget_root_link(const std::string& name);

  /// Host sysctl values from before the lab first changed them.
  std::map<std::string, std::string> saved_host_sysctls() const;
  /// Saves `value` for `key` unless a value is saved already.
  Status save_host_sysctl(const std::string& key, const std::string& value);
  Status forget_host_sysctl(const std::string& key);

  /// Daemons started by the lab, by id. Recorded before the daemon starts.
  /// Errors: daemons.json is corrupt (then record/forget fail too, rather
  /// than write over the only trace of a running daemon).
  Result<std::map<std::string, DaemonSpec>> daemons() const;
  Status record_daemon(const DaemonSpec& spec);
  Status forget_daemon(const std::string& id);

  /// The topology as applied: its text, the absolute path of the file it
  /// came from (which file owns the lab name), the prefix, and a hash of the
  /// text (fnv1a64 hex; computed by write_applied, so it always matches).
  struct Applied {
    std::string file;
    std::string prefix;
    std::string text;
    std::string hash;
    /// The values of its ${NAME}s: `down LAB` and `status LAB` read the
    /// text again with them.
    std::map<std::string, std::string> variables;
    /// What `datapath: auto` meant when it was applied ("" without OVS):
    /// `status` shows it instead of probing OVS again.
    std::string ovs_datapath;
  };
  Status write_applied(const Applied& applied);
  Result<Applied> read_applied() const;

  /// Labs with a state directory under `root`, sorted.
  static std::vector<std::string> list_labs(const std::string& root);

 private:
  std::set<std::string> namespaces_unlocked() const;
  std::optional<std::set<std::string>> root_links_unlocked() const;
  bool root_links_kept_unlocked() const;
  /// Appends `line` to the root-links record; sets *no_record when the lab
  /// has none (the file is missing), which is not an error.
  Status append_root_links_line(const std::string& line, bool* no_record) const;
  std::map<std::string, std::string> saved_host_sysctls_unlocked() const;
  Result<std::map<std::string, DaemonSpec>> daemons_unlocked() const;
  Status write_file(const std::string& name, const std::string& content) const;
  std::string read_file(const std::string& name) const;
  std::string root_, lab_;
  mutable std::mutex mu_;
};

/// An exclusive lock on a lab (flock on root/<lab>.lock), held while alive.
class LabLock {
 public:
  /// Waits up to `timeout` for the lock; calls `on_wait` once if it has to wait.
  static Result<std::unique_ptr<LabLock>> acquire(const std::string& root, const std::string& lab,
                                                  std::chrono::milliseconds timeout,
                                                  const std::function<void()>& on_wait = {});
  ~LabLock();
  LabLock(const LabLock&) = delete;
  LabLock& operator=(const LabLock&) = delete;
  /// Removes the lock file while holding the lock (after a complete down), so
  /// that nothing of the lab stays behind; waiters notice and lock anew.
  void remove_file();

 private:
  LabLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

/// An exclusive lock on a whole state root (flock on the directory itself, so
/// no file is left behind), for what the labs in it share: the host sysctls
/// several labs set, and the value from before the first of them.
class StateRootLock {
 public:
  /// Blocks until the lock is held (its holders only read and write a few
  /// small files).
  static Result<std::unique_ptr<StateRootLock>> acquire(const std::string& root);
  ~StateRootLock();
  StateRootLock(const StateRootLock&) = delete;
  StateRootLock& operator=(const StateRootLock&) = delete;

 private:
  explicit StateRootLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace netlab
