// Small file helpers for the services area (internal).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>

#include "netlab/error.hpp"

namespace netlab::services {

/// Creates `dir` and its missing parents; new directories get `mode`.
Status make_dirs(const std::string& dir, mode_t mode = 0700);
/// Writes `text` to a temp file beside `path`, then renames it over `path`:
/// readers see the old or the new file, never half of one. A symlink at
/// `path` is replaced, not followed; the temp file is removed on failure.
Status write_file_atomic(const std::string& path, const std::string& text, mode_t mode);
/// Whole file; nullopt-like error (sys_errno ENOENT) when missing.
Result<std::string> read_file(const std::string& path);
/// unlink(path); OK when already missing.
Status remove_file(const std::string& path);
/// The last `max_bytes` of a file, or "" (for error messages quoting a log);
/// for a missing or empty file on a full file system, a note that says so.
std::string file_tail(const std::string& path, size_t max_bytes = 800);
/// Directory part of a path ("/a/b/c" -> "/a/b").
std::string dir_of(const std::string& path);

}  // namespace netlab::services
