// The parse of a topology file kept for the next run. A no-op `up` of a
// standing 1000-host lab spent ~37 ms of its ~130 ms reading the same file
// again (yaml-cpp, building the model, the resource graph's check); the
// model read back from the cache takes a few.
//
// One entry per file, <state_root>/.parse-cache/<hash of its absolute path>
// (a lab name cannot start with '.', so no lab's directory is called so).
// An entry is used only when its header equals, byte for byte, the one this
// run would write: the format, the running executable (device, inode, size
// and mtime of /proc/self/exe: development builds of one version parse
// differently), the path as given (it is in every position), the variables
// and every byte of the file. No hash is trusted for that. The entry holds
// the model after parse_topology and the resource graph's check, before
// --prefix and --machine, which run on it as on a parse.
//
// Only a successful `up` writes an entry (the lab then stands in the same
// state root), and its `down` removes it, with the directory when no lab is
// left: plan, test, a failed up never leave one behind. An entry that is
// not plainly ours (a symlink, another owner, writable by others) or not
// consistent is ignored and the file parsed: a doubt costs a parse, never
// an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "netlab/topology.hpp"
#include "parse/parse.hpp"

namespace netlab {

/// The cache's directory under a state root.
inline constexpr const char* kParseCacheDir = ".parse-cache";

/// Bumped whenever the bytes of an entry change meaning.
inline constexpr std::uint32_t kParseCacheFormat = 1;

/// "DEV INO SIZE MTIME_NS" of the running executable; "" when unknown
/// (then nothing is cached).
std::string executable_identity();

class ParseCache {
 public:
  /// `executable` is executable_identity() but in tests.
  explicit ParseCache(std::string state_root, std::string executable = executable_identity(),
                      std::uint32_t format = kParseCacheFormat);

  /// <state_root>/.parse-cache
  std::string directory() const;
  /// The entry's path for topology file `path` (as given, or absolute).
  std::string entry_path(const std::string& path) const;

  /// The model kept for exactly this input, or nullopt (no entry, an entry
  /// of another input, or any doubt about the entry).
  std::optional<Topology> lookup(const std::string& path, const Variables& variables,
                                 std::string_view text) const;
  /// The bytes of an entry for `topology`, the checked parse of this input;
  /// "" when nothing can be cached (no executable identity, too large).
  std::string entry(const std::string& path, const Variables& variables, std::string_view text,
                    const Topology& topology) const;
  /// Writes `entry` for `path` (atomically, 0600, in the directory made 0700
  /// when missing). Best effort: false when it could not.
  bool store(const std::string& path, const std::string& entry) const;
  /// Removes the entry for `path`, and the directory with whatever is in it
  /// when the state root holds no lab any more.
  void forget(const std::string& path) const;

 private:
  std::string header(const std::string& path, const Variables& variables,
                     std::string_view text) const;

  std::string root_;
  std::string executable_;
  std::uint32_t format_;
};

/// parse_topology and the resource graph's check of `text`, or the model
/// they gave before for exactly this input (hit). The errors are theirs,
/// unchanged (a failed parse is never cached). No entry is made here: only
/// what stores one (Lab::keep_parse, after a successful up) pays for its
/// encoding (~0.7 ms and 220 KB for 1000 hosts), not every plan or test.
struct CachedParse {
  LoadResult loaded;
  bool hit = false;
};
CachedParse parse_with_cache(const ParseCache& cache, std::string_view text,
                             const std::string& path, const Variables& variables);

}  // namespace netlab
