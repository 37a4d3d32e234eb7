// A private directory under /tmp for one test, removed with everything in it
// when the test ends (also when it fails), and reading a file back whole.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace netlab::testing {

struct TempDir {
  std::string path;
  /// `name` goes into the directory's name, to tell whose leftovers they are.
  explicit TempDir(const std::string& name = "test") {
    std::string tmpl = "/tmp/netlab-" + name + "-XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

/// The whole content of `path` ("" when it cannot be read).
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace netlab::testing
