#include "netlab/error.hpp"

#include <algorithm>
#include <cstring>

namespace netlab {

std::string SourcePos::str() const {
  if (file.empty() && line == 0) return "";
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  return s;
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidTopology:
      return "invalid topology";
    case ErrorKind::Unsupported:
      return "unsupported";
    case ErrorKind::Permission:
      return "permission";
    case ErrorKind::Conflict:
      return "conflict";
    case ErrorKind::Kernel:
      return "kernel";
    case ErrorKind::Ovs:
      return "ovs";
    case ErrorKind::Process:
      return "process";
    case ErrorKind::Verification:
      return "verification";
    case ErrorKind::Timeout:
      return "timeout";
    case ErrorKind::Bug:
      return "bug";
  }
  return "bug";
}

std::string Error::str() const {
  std::string p = where.str();
  return p.empty() ? message : p + ": " + message;
}

void sort_by_position(std::vector<Error>& errors) {
  std::stable_sort(errors.begin(), errors.end(),
                   [](const Error& a, const Error& b) { return a.where < b.where; });
}

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  std::string text =
      strerrordesc_np(err) ? strerrordesc_np(err) : "Unknown error " + std::to_string(err);
  if (name) text += std::string(" (") + name + ")";
  return text;
}

Error system_error(ErrorKind kind, std::string message, int err) {
  Error e{kind, std::move(message) + ": " + errno_text(err), {}, err};
  if (err == EPERM || err == EACCES) e.kind = ErrorKind::Permission;
  return e;
}

}  // namespace netlab
