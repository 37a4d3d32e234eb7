// Errors and results: one error type for the whole of netlab.
#pragma once

#include <compare>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace netlab {

/// Where a value came from in a topology file. line/column are 1-based;
/// 0 means "unknown" (e.g. an object that exists only in the live system).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  /// "FILE:LINE:COL" (or just FILE, or "" when nothing is known).
  std::string str() const;
  auto operator<=>(const SourcePos&) const = default;
};

enum class ErrorKind {
  InvalidTopology,  ///< the file breaks a rule of the format
  Unsupported,      ///< this kernel / system lacks a needed feature
  Permission,       ///< not root, or the system refused
  Conflict,         ///< an object not owned by the lab is in the way
  Kernel,           ///< a netlink / namespace operation failed
  Ovs,              ///< OVSDB refused or ovs-vswitchd could not apply
  Process,          ///< a daemon or command failed
  Verification,     ///< the system does not match after apply
  Timeout,          ///< a bounded wait ran out
  Bug,              ///< an internal invariant broke
};

const char* to_string(ErrorKind kind);

/// One error: what failed, on which object, where it came from, and what to do.
/// `message` names the operation and the object; `where` points into the
/// topology when the error can be traced to it; `sys_errno` keeps the real
/// errno of a failed system call (0 when none).
struct Error {
  ErrorKind kind = ErrorKind::Bug;
  std::string message;
  SourcePos where;
  int sys_errno = 0;

  /// "FILE:LINE:COL: message" when `where` is known, else "message".
  std::string str() const;
};

/// Sorts errors by position (file, line, column), stable for equal positions.
void sort_by_position(std::vector<Error>& errors);

/// Success or one error. Cheap to return; check with ok().
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)), ok_(false) {}  // NOLINT: implicit by design
  static Status ok_status() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  Error& error() { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

/// A value or one error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}      // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

/// An Error of `kind` with `message` (kept as given, unlike system_error),
/// the position `where` when known, and the errno `err` (0 = none).
inline Error make_error(ErrorKind kind, std::string message, int err = 0) {
  return Error{kind, std::move(message), {}, err};
}
inline Error make_error(ErrorKind kind, std::string message, SourcePos where, int err = 0) {
  return Error{kind, std::move(message), std::move(where), err};
}

/// Builds an Error with the text of errno `err` appended: "msg: File exists (EEXIST)".
Error system_error(ErrorKind kind, std::string message, int err);

/// "File exists (EEXIST)" for EEXIST; "Unknown error N" for unknown values.
std::string errno_text(int err);

}  // namespace netlab
